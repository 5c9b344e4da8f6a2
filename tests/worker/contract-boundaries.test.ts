import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures/images/fixtures.generated';
import { api, BASE, json } from '../helpers/api';
import { createTestProperty } from '../helpers/listings';
import type { DocumentedOperation, OpenApiDocument, Schema } from '../helpers/openapi-document';
import { createTestUser, randomIp, type TestUser, uniqueEmail } from '../helpers/users';

/**
 * The document is the whole truth: for every rule it states on a parameter, a header or a
 * top-level body field (minimum, maximum, minLength, maxLength, pattern, multipleOf, enum,
 * minItems, maxItems, minProperties), a value just inside is not refused as invalid and a value
 * just outside is a 422 VALIDATION_FAILED. Every answer, whatever was sent, has a status the
 * operation lists and a problem `code` that its response lists in `x-problem-codes`.
 */

type Operation = DocumentedOperation;

let doc: OpenApiDocument;
let admin: TestUser;
let me: TestUser;
let victim: TestUser;
let saver: TestUser;
const ids: Record<string, string> = {};

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  return resolve(doc.components.schemas[ref.replace('#/components/schemas/', '')] as Schema);
}

/** A valid request for each operation, for the boundary values to vary one field of. */
interface Baseline {
  path?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: () => Record<string, unknown>;
  raw?: () => { body: BodyInit; contentType: string };
  token?: () => string;
  /** Parameters that only make sense with others (radiusKm needs near). */
  companions?: Record<string, Record<string, string>>;
}

const PASSWORD = 'a long and unusual passphrase';

function baselines(): Record<string, Baseline> {
  const listing = { id: ids.listing as string };
  return {
    createInquiry: {
      body: () => ({
        propertyId: listing.id,
        name: 'Boundary',
        email: 'boundary@example.com',
        message: 'Hello there!',
      }),
    },
    listInquiries: {},
    listAuditEntries: {},
    listAlerts: {},
    getInquiry: { path: { id: ids.inquiry as string } },
    updateInquiry: { path: { id: ids.inquiry as string }, body: () => ({ note: 'A note' }) },
    recordEvents: { body: () => ({ events: [{ type: 'search' }] }) },
    getDashboard: {},
    runJob: { path: { name: 'no-such-job' } },
    register: { body: () => ({ email: uniqueEmail('boundary'), password: PASSWORD, name: 'Boundary' }) },
    login: { body: () => ({ email: uniqueEmail('nobody'), password: PASSWORD }) },
    refreshTokens: { body: () => ({ refreshToken: 'unknown-token' }) },
    logout: { body: () => ({ refreshToken: 'unknown-token' }) },
    requestPasswordReset: { body: () => ({ email: uniqueEmail('nobody') }) },
    confirmPasswordReset: { body: () => ({ token: 'unknown-token', newPassword: PASSWORD }) },
    verifyEmail: { body: () => ({ token: 'unknown-token' }) },
    requestEmailVerification: { token: () => me.token },
    updateMe: { body: () => ({ name: 'Me' }), token: () => me.token },
    changePassword: {
      body: () => ({ currentPassword: 'not the password', newPassword: PASSWORD }),
      token: () => me.token,
    },
    endMySession: { path: { id: '00000000-0000-7000-8000-000000000000' }, token: () => me.token },
    listMyFavorites: { token: () => me.token },
    addMyFavorite: { path: { propertyId: listing.id }, token: () => me.token },
    removeMyFavorite: { path: { propertyId: listing.id }, token: () => me.token },
    listMyInquiries: { token: () => me.token },
    listAdminUsers: {},
    createAdminUser: { body: () => ({ email: uniqueEmail('created'), name: 'Created', password: PASSWORD }) },
    updateAdminUser: { path: { id: victim.id }, body: () => ({ name: 'Victim' }) },
    searchProperties: { companions: { radiusKm: { near: '30.2,-97.7' }, sort: { q: 'house', near: '30.2,-97.7' } } },
    getPropertyFacets: { companions: { radiusKm: { near: '30.2,-97.7' } } },
    listAdminProperties: { companions: { radiusKm: { near: '30.2,-97.7' }, sort: { q: 'house', near: '30.2,-97.7' } } },
    getImage: { path: { id: ids.image as string } },
    createProperty: {
      body: () => ({
        title: 'Boundary house',
        propertyType: 'house',
        listingType: 'sale',
        price: 100_000,
        address: { line1: '1 Main St', city: 'Austin', country: 'US' },
      }),
    },
    updateProperty: { path: { id: listing.id }, body: () => ({ title: 'Boundary edit' }) },
    changePropertyStatus: { path: { id: listing.id }, body: () => ({ status: 'pending' }) },
    uploadPropertyImage: {
      path: { id: ids.photoListing as string },
      raw: () => ({ body: fixture('png-7x5.png'), contentType: 'image/png' }),
    },
    reorderPropertyImages: { path: { id: ids.photoListing as string }, body: () => ({ imageIds: [] }) },
    updateImage: { path: { id: ids.image as string }, body: () => ({ altText: 'alt' }) },
    createSavedSearch: {
      body: () => ({ name: 'Boundary', query: { city: 'Austin' }, alerts: ['new_listing'], frequency: 'daily' }),
      token: () => saver.token,
    },
    getSavedSearch: { path: { id: ids.savedSearch as string }, token: () => saver.token },
    updateSavedSearch: {
      path: { id: ids.savedSearch as string },
      body: () => ({ name: 'Boundary edit' }),
      token: () => saver.token,
    },
    // The one-click shape (the JSON shape's token is the same schema, probed by alerts-unsubscribe.test.ts).
    unsubscribeAlerts: {
      query: { token: 'baseline' },
      raw: () => ({ body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' }),
    },
  };
}

// --- values just inside and just outside a rule ----------------------------------------------

interface Probe {
  rule: string;
  value: unknown;
  inside: boolean;
}

const matches = (pattern: unknown, value: string) =>
  typeof pattern !== 'string' || new RegExp(pattern, 'u').test(value);
const round = (n: number) => Number(n.toFixed(10));

/** A string of exactly `length` code points that satisfies the schema's pattern, if there is one. */
function filler(s: Schema, length: number): string | undefined {
  // Formats of a fixed shape: the one length they come in, or nothing to probe with.
  const shaped: Record<string, string> = {
    uuid: '0190a3b2-0000-7000-8000-000000000001',
    date: '2031-05-10',
    'date-time': '2031-05-10T12:03:00.000Z',
  };
  const sample = typeof s.format === 'string' ? shaped[s.format] : undefined;
  if (sample !== undefined) return sample.length === length ? sample : undefined;
  if (s.format === 'email') {
    if (length < 6) return undefined;
    const local = `b${Math.random().toString(36).slice(2, 8)}`;
    const domain = `${'d'.repeat(Math.max(1, length - local.length - 5))}`;
    // Labels of at most 63: split the domain part.
    const labels = domain.match(/.{1,63}/g) ?? [];
    const text = `${local}@${labels.join('.')}.com`;
    return [...text].length === length ? text : undefined;
  }
  for (const unit of ['a', 'A', '1', 'a-']) {
    const text = unit.repeat(length).slice(0, length);
    if ([...text].length === length && matches(s.pattern, text)) return text;
  }
  return undefined;
}

function stringProbes(s: Schema): Probe[] {
  const probes: Probe[] = [];
  const min = typeof s.minLength === 'number' ? s.minLength : undefined;
  const max = typeof s.maxLength === 'number' ? s.maxLength : undefined;
  if (min !== undefined) {
    const at = filler(s, Math.max(min, 1));
    if (at !== undefined) probes.push({ rule: `minLength ${min}`, value: at, inside: true });
    if (min > 0) probes.push({ rule: `minLength ${min}`, value: 'a'.repeat(min - 1), inside: false });
  }
  if (max !== undefined) {
    const at = filler(s, max);
    if (at !== undefined) probes.push({ rule: `maxLength ${max}`, value: at, inside: true });
    probes.push({
      rule: `maxLength ${max}`,
      value: (filler(s, max + 1) ?? 'a'.repeat(max + 1)) as string,
      inside: false,
    });
  }
  if (typeof s.pattern === 'string') {
    const inside = [filler(s, Math.max(min ?? 1, 1)), typeof s.example === 'string' ? s.example : undefined].find(
      (v) => v !== undefined && matches(s.pattern, v),
    );
    if (inside !== undefined) probes.push({ rule: 'pattern', value: inside, inside: true });
    const outside = ['a b', '!', '-', 'a@b', '\u0001x', 'ZZ'].find(
      (v) => !matches(s.pattern, v) && (min === undefined || v.length >= min),
    );
    if (outside !== undefined) probes.push({ rule: 'pattern', value: outside, inside: false });
  }
  return probes;
}

function numberProbes(s: Schema, integer: boolean): Probe[] {
  const probes: Probe[] = [];
  const step = typeof s.multipleOf === 'number' ? s.multipleOf : integer ? 1 : 1;
  if (typeof s.minimum === 'number') {
    probes.push({ rule: `minimum ${s.minimum}`, value: s.minimum, inside: true });
    probes.push({ rule: `minimum ${s.minimum}`, value: round(s.minimum - step), inside: false });
  }
  if (typeof s.maximum === 'number') {
    probes.push({ rule: `maximum ${s.maximum}`, value: s.maximum, inside: true });
    probes.push({ rule: `maximum ${s.maximum}`, value: round(s.maximum + step), inside: false });
  }
  if (typeof s.multipleOf === 'number') {
    const base = typeof s.minimum === 'number' ? s.minimum : 0;
    probes.push({ rule: `multipleOf ${s.multipleOf}`, value: round(base + s.multipleOf), inside: true });
    probes.push({ rule: `multipleOf ${s.multipleOf}`, value: round(base + s.multipleOf / 2), inside: false });
  }
  return probes;
}

function probesFor(schema: Schema): Probe[] {
  const s = resolve(schema);
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string | undefined);
  if (Array.isArray(s.enum)) {
    return [
      ...(s.enum as unknown[]).map((value) => ({ rule: 'enum', value, inside: true })),
      { rule: 'enum', value: 'zz-not-listed', inside: false },
    ];
  }
  if (type === 'string') return stringProbes(s);
  if (type === 'integer' || type === 'number') return numberProbes(s, type === 'integer');
  if (type === 'array') {
    const probes: Probe[] = [];
    if (typeof s.minItems === 'number' && s.minItems > 0) {
      probes.push({ rule: `minItems ${s.minItems}`, value: [], inside: false });
    }
    if (typeof s.maxItems === 'number')
      probes.push({ rule: `maxItems ${s.maxItems}`, value: s.maxItems, inside: true });
    if (typeof s.maxItems === 'number') {
      probes.push({ rule: `maxItems ${s.maxItems}`, value: s.maxItems + 1, inside: false });
    }
    return probes;
  }
  return [];
}

// --- requests ---------------------------------------------------------------------------------

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: BodyInit;
}

function request(method: string, path: string, op: Operation, base: Baseline, change: Partial<Baseline>): Sent {
  const params = { ...base.path, ...change.path };
  const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));
  const query = new URLSearchParams({ ...base.query, ...change.query }).toString();
  const headers: Record<string, string> = { 'CF-Connecting-IP': randomIp(), ...base.headers, ...change.headers };
  if (op.security) headers.Authorization = `Bearer ${(base.token ?? (() => admin.token))()}`;
  let body: BodyInit | undefined;
  const makeBody = change.body ?? base.body;
  if (makeBody) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(makeBody());
  } else if (base.raw) {
    const raw = base.raw();
    headers['Content-Type'] = raw.contentType;
    body = raw.body;
  }
  return { method: method.toUpperCase(), url: `${url}${query ? `?${query}` : ''}`, headers, body };
}

/** Sends it and checks the answer is one the operation lists, with a listed code. */
async function send(op: Operation, sent: Sent): Promise<{ status: number; code?: string; text: string }> {
  const res = await SELF.fetch(`${BASE}${sent.url}`, { method: sent.method, headers: sent.headers, body: sent.body });
  const isText = /json|text/.test(res.headers.get('Content-Type') ?? '');
  const text = isText ? await res.text() : `${(await res.arrayBuffer()).byteLength} bytes`;
  const where = `${sent.method} ${sent.url.slice(0, 200)} → ${res.status} ${text.slice(0, 300)}`;
  const documented = op.responses[String(res.status)];
  expect(documented, `undocumented status: ${where}`).toBeDefined();
  if (res.status >= 400) {
    const code = (JSON.parse(text) as { code: string }).code;
    expect(documented?.['x-problem-codes'] ?? [], `undocumented code: ${where}`).toContain(code);
    return { status: res.status, code, text };
  }
  return { status: res.status, text };
}

function expectVerdict(result: { status: number; code?: string; text: string }, probe: Probe, where: string) {
  const message = `${where} ${probe.rule} ${probe.inside ? 'inside' : 'outside'} ${JSON.stringify(probe.value).slice(0, 80)} → ${result.status} ${result.text.slice(0, 300)}`;
  if (probe.inside) expect(result.code, message).not.toBe('VALIDATION_FAILED');
  else expect([result.status, result.code], message).toEqual([422, 'VALIDATION_FAILED']);
}

const failures: string[] = [];

/** Runs one check; a failure is collected so that one run reports every disagreement. */
async function attempt(check: () => Promise<void>) {
  try {
    await check();
  } catch (error) {
    failures.push(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
  }
}

async function probeOperation(method: string, path: string, op: Operation, base: Baseline) {
  const where = `${method.toUpperCase()} ${path}`;
  let checked = 0;
  for (const p of op.parameters ?? []) {
    for (const probe of probesFor(p.schema)) {
      const value = String(probe.value);
      const companions = base.companions?.[p.name] ?? {};
      const change: Partial<Baseline> =
        p.in === 'path'
          ? { path: { [p.name]: value } }
          : p.in === 'query'
            ? { query: { ...companions, [p.name]: value } }
            : { headers: { [p.name]: value } };
      await attempt(async () =>
        expectVerdict(await send(op, request(method, path, op, base, change)), probe, `${where} ${p.in} ${p.name}`),
      );
      checked += 1;
    }
  }
  const bodySchema = op.requestBody?.content['application/json']?.schema;
  if (bodySchema && base.body) {
    const s = resolve(bodySchema);
    const make = base.body;
    if (typeof s.minProperties === 'number') {
      const probe = { rule: `minProperties ${s.minProperties}`, value: {}, inside: false };
      await attempt(async () =>
        expectVerdict(await send(op, request(method, path, op, base, { body: () => ({}) })), probe, where),
      );
      checked += 1;
    }
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    const dependents = (s.dependentRequired ?? {}) as Record<string, string[]>;
    for (const [name, propSchema] of Object.entries(properties)) {
      // Fields that must come together (dependentRequired): the others get a valid value.
      const partners = Object.fromEntries(
        (dependents[name] ?? []).map((other) => [
          other,
          probesFor(properties[other] ?? {}).find((p) => p.inside)?.value,
        ]),
      );
      for (const probe of probesFor(propSchema)) {
        let value = probe.value;
        // An array's bound is a count: that many copies of the baseline's first item (or ids; or
        // the values of an enum in turn).
        if (typeof value === 'number' && probe.rule.startsWith('maxItems')) {
          const item = (make()[name] as unknown[] | undefined)?.[0] ?? crypto.randomUUID();
          const choices = resolve((resolve(propSchema).items as Schema | undefined) ?? {}).enum as
            | unknown[]
            | undefined;
          value = Array.from({ length: value }, (_, i) =>
            choices ? choices[i % choices.length] : typeof item === 'string' ? crypto.randomUUID() : item,
          );
        }
        await attempt(async () => {
          const result = await send(
            op,
            request(method, path, op, base, { body: () => ({ ...make(), ...partners, [name]: value }) }),
          );
          expectVerdict(result, probe, `${where} body ${name}`);
        });
        checked += 1;
      }
    }
  }
  return checked;
}

beforeAll(async () => {
  doc = await json<OpenApiDocument>(await api('/openapi.json'));
  admin = await createTestUser({ role: 'super_admin' });
  me = await createTestUser({ role: 'user' });
  victim = await createTestUser({ role: 'user' });
  saver = await createTestUser({ role: 'user' });
  const saved = await api('/v1/me/saved-searches', {
    method: 'POST',
    token: saver.token,
    json: { name: 'Boundary', query: { city: 'Austin' } },
  });
  expect(saved.status).toBe(201);
  ids.savedSearch = (await json<{ id: string }>(saved)).id;
  ids.listing = (await createTestProperty({ createdBy: admin.id })).id;
  ids.photoListing = (await createTestProperty({ createdBy: admin.id })).id;
  const photo = await api(`/v1/admin/properties/${ids.photoListing}/images`, {
    method: 'POST',
    token: admin.token,
    body: fixture('png-7x5.png'),
    headers: { 'Content-Type': 'image/png' },
  });
  expect(photo.status).toBe(201);
  ids.image = (await json<{ id: string }>(photo)).id;
  const inquiry = await api('/v1/inquiries', {
    json: { propertyId: ids.listing, name: 'Seed', email: 'seed@example.com', message: 'A seeded inquiry.' },
    ip: randomIp(),
  });
  expect(inquiry.status).toBe(201);
  ids.inquiry = (await json<{ id: string }>(inquiry)).id;
});

describe('the document states every rule the server enforces, and the server agrees', () => {
  it('every documented constraint of every operation: just inside is accepted, just outside is a 422', async () => {
    const all = baselines();
    const unprobed: string[] = [];
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const base = all[op.operationId];
        if (!base) {
          unprobed.push(op.operationId);
          continue;
        }
        checked += await probeOperation(method, path, op, base);
      }
    }
    // Operations with no rule to probe, or whose only input is a UUID in the path.
    expect(unprobed.sort()).toEqual(
      [
        'deleteImage',
        'deleteProperty',
        'deleteSavedSearch',
        'endAdminUserSessions',
        'getAdminProperty',
        'getDatabaseOverview',
        'getLiveness',
        'getMe',
        'getProblemType',
        'getProperty',
        'getPropertyHistory',
        'getReadiness',
        'listMySessions',
        'listSavedSearches',
        'listProblemTypes',
        'unlockAdminUser',
      ].sort(),
    );
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });

  it('every operation answers its own invalid input with a listed status and code', async () => {
    // A path parameter, a query parameter or a body that breaks a rule, and a missing token.
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const url = path.replace(/\{[^}]+\}/g, 'x'.repeat(120));
        await send(op, { method: method.toUpperCase(), url, headers: { 'CF-Connecting-IP': randomIp() } });
        if (method !== 'get' && method !== 'delete') {
          await send(op, {
            method: method.toUpperCase(),
            url,
            headers: { 'CF-Connecting-IP': randomIp(), 'Content-Type': 'application/json' },
            body: '{"broken":',
          });
        }
      }
    }
  });
});

describe('GET /problems/{code}', () => {
  it('GET /problems/{code} resolves the type URL of every code in the document', async () => {
    const codes = (resolve(doc.components.schemas.Problem as Schema).properties as Record<string, Schema>).code
      ?.enum as string[];
    expect(codes.length).toBeGreaterThan(40);
    const list = await json<{ data: Array<{ code: string; type: string }> }>(await api('/problems'));
    expect(list.data.map((p) => p.code).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const res = await api(`/problems/${code}`);
      expect(res.status, code).toBe(200);
      const body = await json<{ code: string; type: string; status: number; title: string; description: string }>(res);
      expect(body.code).toBe(code);
      expect(body.type).toBe(`${BASE}/problems/${code}`);
      expect(body.description.length).toBeGreaterThan(10);
    }
    expect((await api('/problems/NO_SUCH_CODE')).status).toBe(404);
  });

  it('GET /problems/{code} is where a problem response’s type points', async () => {
    const res = await api('/v1/properties?limit=0');
    const problem = await json<{ type: string; code: string; status: number; title: string }>(res);
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.type).toBe(`${BASE}/problems/VALIDATION_FAILED`);
    const page = await json<{ status: number; title: string }>(await SELF.fetch(problem.type));
    expect(page.status).toBe(problem.status);
    expect(page.title).toBe(problem.title);
  });
});
