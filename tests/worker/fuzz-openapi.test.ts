import { env, SELF } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../fixtures/images/fixtures.generated';
import { api, BASE, json } from '../helpers/api';
import { API_OPERATIONS } from '../helpers/api-operations';
import { createTestProperty } from '../helpers/listings';
import type { DocumentedOperation, OpenApiDocument, Parameter, Schema } from '../helpers/openapi-document';
import { createTestUser, type TestUser } from '../helpers/users';

/**
 * Property-based fuzzing of every operation in /openapi.json: valid, almost-valid and random
 * bodies, query strings, path parameters and headers. Whatever is sent, the answer is a 2xx/3xx
 * or a documented 4xx, never a 5xx; errors are problem JSON without internals; a 2xx JSON body
 * matches its documented schema. RUNS (the FUZZ_RUNS binding: a quick pass in `workers`, the full
 * size in `slow`; see vitest.config.ts) sets the runs per operation, SEED replays one run. A
 * failure found here is kept in tests/fuzz-regressions/ and replayed by fuzz-regressions.test.ts.
 */

/** An operation of the document, with where it lives. */
interface Operation extends Omit<DocumentedOperation, 'operationId'> {
  method: string;
  path: string;
  parameters: Parameter[];
}
type OpenApiDoc = OpenApiDocument;

const RUNS = Number((env as { FUZZ_RUNS?: string }).FUZZ_RUNS ?? 60);
// Set to a seed fast-check printed to replay that run.
const SEED: number | undefined = undefined;
// Errors every route may give besides its own list (API.md, "Errors everyone gets").
const GLOBAL_ERRORS = new Set([400, 401, 403, 404, 405, 413, 415, 422, 429]);
// Internals: a stack frame, a source path, a JavaScript error name, a driver or PostgreSQL message.
// (SQL keywords alone prove nothing here: the fuzzer sends them and validation may echo a key.)
const LEAK =
  /\bat\s+\S+\s+\(|node_modules|\.ts:\d+|(TypeError|RangeError|SyntaxError|ReferenceError):|NeonDbError|DrizzleQueryError|Failed query|syntax error at or near|duplicate key value|invalid input syntax|current transaction is aborted/i;
// Running a real job from the fuzzer would take a shared job's lease away from its own tests.
const JOB_NAMES = new Set(['drain-notifications', 'retention', 'vacuum', 'reindex']);

let doc: OpenApiDoc;
let superAdmin: TestUser;
let plainUser: TestUser;
const pool: Record<string, string[]> = {};

// --- JSON schema → values ---------------------------------------------------------------------

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`unresolved ${ref}`);
  return resolve(target);
}

function merged(schema: Schema): Schema {
  const s = resolve(schema);
  if (!Array.isArray(s.allOf)) return s;
  const parts = (s.allOf as Schema[]).map(merged);
  return {
    type: 'object',
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
    required: parts.flatMap((p) => (p.required as string[] | undefined) ?? []),
  };
}

const num = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);

/** Values that satisfy the schema's structure (semantic rules may still refuse them: a 4xx). */
function valid(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = merged(schema);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((a) => valid(a, depth + 1)));
  if (Array.isArray(s.type)) return fc.oneof(...(s.type as string[]).map((t) => valid({ ...s, type: t }, depth)));
  switch (s.type) {
    case 'string': {
      const min = num(s.minLength, 0);
      const max = Math.max(min, Math.min(num(s.maxLength, 40), min + 40));
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'email') return fc.emailAddress().filter((e) => e.length <= 254);
      if (s.format === 'date-time') {
        return fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      if (typeof s.pattern === 'string') {
        return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= min && v.length <= max);
      }
      return fc.string({ minLength: min, maxLength: max });
    }
    case 'integer':
      return fc.integer({ min: Math.ceil(num(s.minimum, -1e6)), max: Math.floor(num(s.maximum, 1e9)) });
    case 'number':
      return fc.double({ min: num(s.minimum, -1e6), max: num(s.maximum, 1e9), noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = num(s.minItems, 0);
      return fc.array(valid((s.items as Schema) ?? {}, depth + 1), {
        minLength: min,
        maxLength: Math.max(min, Math.min(num(s.maxItems, 4), 4)),
      });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = (s.required ?? []) as string[];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(props)) model[key] = valid(value, depth + 1);
      const record = fc.record(model, { requiredKeys: required });
      const extra = s.additionalProperties;
      if (extra && typeof extra === 'object' && Object.keys(props).length === 0) {
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), valid(extra as Schema, depth + 1), {
          maxKeys: 4,
        });
      }
      return record;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// --- hostile values ---------------------------------------------------------------------------

const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  "'; drop table users; --",
  "' or '1'='1",
  '1; select pg_sleep(10)',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '__proto__',
  'constructor',
  'prototype',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil',
  '\ufeff',
  '𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧‍👦',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  '%00',
  '%',
  '%zz',
  '../../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style probe, sent literally
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  'NaN',
  'Infinity',
  '-0',
  '-1',
  '1e309',
  '9'.repeat(400),
  '0x10',
  'null',
  'true',
  '[]',
  '{}',
  'a'.repeat(10_000),
  'ß'.repeat(5_000),
];

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, [], {}, [null], { '': '' }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A body as raw text: deep nesting, huge arrays, prototype keys and broken JSON included. */
function hostileBodyText(validArb: fc.Arbitrary<unknown> | null): fc.Arbitrary<string> {
  const options: Array<fc.Arbitrary<string>> = [
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
    fc.integer({ min: 1, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
    fc.integer({ min: 1, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    fc.constant(JSON.stringify(Array.from({ length: 10_000 }, (_, i) => i))),
    fc.constantFrom('', '{', '{"a":', 'nul', '{"a":1,}', "{'a':1}", '\u0000', '{"a":"\\ud800"}', '\ufeff{}'),
    fc.constant('{"__proto__":{"role":"super_admin","isAdmin":true},"constructor":{"prototype":{"x":1}}}'),
  ];
  if (validArb) {
    // Almost valid: one field wrong, an unknown field, or a prototype key riding along.
    options.push(
      fc.tuple(validArb, hostileValue, fc.nat()).map(([v, bad, i]) => {
        if (!v || typeof v !== 'object' || Array.isArray(v)) return JSON.stringify(v);
        const keys = Object.keys(v);
        const key = keys.length > 0 ? (keys[i % keys.length] as string) : 'x';
        return JSON.stringify({ ...v, [key]: bad });
      }),
      fc.tuple(validArb, hostileString).map(([v, key]) => {
        const text = JSON.stringify(v) ?? 'null';
        return text.startsWith('{') ? `{${JSON.stringify(key)}:1${text.length > 2 ? ',' : ''}${text.slice(1)}` : text;
      }),
      validArb.map((v) => {
        const text = JSON.stringify(v) ?? 'null';
        return text.startsWith('{')
          ? `{"__proto__":{"role":"super_admin"}${text.length > 2 ? ',' : ''}${text.slice(1)}`
          : text;
      }),
    );
  }
  return fc.oneof(...options);
}

/** Printable ASCII: fetch throws on CR, LF, NUL and non-ByteStrings (workerd warns on the rest). */
const headerSafe = (value: string) =>
  value
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 8_000);

// --- requests ---------------------------------------------------------------------------------

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | FormData;
  describe: string;
}

let ipCounter = 0;
const nextIp = () => {
  ipCounter += 1;
  return `172.${16 + ((ipCounter >> 16) & 15)}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

// Sent as they are, not encoded: broken escapes and encoded traversal in the path itself.
const RAW_PATH_SEGMENTS = [
  '%',
  '%zz',
  '%00',
  '%E0%A4%A',
  '%C0%AE%C0%AE',
  '..%2F..%2Fetc',
  '%F0%9F%92%A9',
  '%uD800',
  '%2e%2e',
];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormed = (value: string) => value.replace(LONE_SURROGATE, '\ufffd');
/** encodeURIComponent throws on lone surrogates: they go as U+FFFD, as a browser would send them. */
const encode = (value: string) => encodeURIComponent(wellFormed(value));

function pathValue(op: Operation, p: Parameter): fc.Arbitrary<string> {
  const known = pool[`${op.path}:${p.name}`] ?? pool[p.name] ?? [];
  const options: Array<fc.Arbitrary<string>> = [
    valid(p.schema).map(String),
    hostileString.map((s) => s.slice(0, 300)),
    fc.uuid(),
  ];
  if (known.length > 0) options.push(fc.constantFrom(...known));
  let arb = fc
    .oneof(...options)
    .filter((v) => v.length > 0)
    .map(encode);
  if (op.path.includes('/system/jobs/')) arb = arb.filter((v) => !JOB_NAMES.has(v));
  return fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: fc.constantFrom(...RAW_PATH_SEGMENTS) });
}

function queryArb(op: Operation): fc.Arbitrary<Array<[string, string]>> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const entries = params.map((p) =>
    fc.option(
      fc.oneof({ weight: 3, arbitrary: valid(p.schema).map(String) }, { weight: 1, arbitrary: hostileString }),
      { nil: undefined },
    ),
  );
  return fc
    .tuple(
      fc.tuple(...entries),
      fc.option(fc.tuple(fc.oneof(hostileString, fc.constantFrom('limit', 'sort', 'cursor')), hostileString), {
        nil: undefined,
      }),
    )
    .map(([values, extra]) => {
      const pairs: Array<[string, string]> = [];
      params.forEach((p, i) => {
        const v = values[i];
        if (v !== undefined) pairs.push([p.name, v]);
      });
      if (extra) pairs.push(extra);
      return pairs;
    });
}

function authArb(op: Operation): fc.Arbitrary<string | undefined> {
  const garbage = fc.oneof(
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer a.b.c', 'Bearer null'),
    hostileString.map((s) => `Bearer ${headerSafe(s)}`),
    fc.constant(`Bearer ${'x'.repeat(9_000)}`),
  );
  if (!op.security) return fc.option(garbage, { nil: undefined });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(`Bearer ${superAdmin.token}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${plainUser.token}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: garbage },
  );
}

const contentTypeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'application/xml',
      '',
      'application/json; charset=utf-16',
      '*/*',
    ),
  },
);

function bodyArb(op: Operation): fc.Arbitrary<{ body?: FuzzRequest['body']; contentType?: string }> {
  // fetch refuses a body on GET and HEAD.
  if (op.method === 'get' || op.method === 'head') return fc.constant({});
  const content = op.requestBody?.content ?? {};
  if (content['multipart/form-data']) {
    const bytes = fc.oneof(
      fc.constant(fixture('png-7x5.png')),
      fc.uint8Array({ maxLength: 200 }),
      fc.constant(new Uint8Array([0x89, 0x50, 0x4e, 0x47])),
    );
    return fc.oneof(
      fc
        .tuple(bytes, fc.constantFrom('image/png', 'application/octet-stream', 'image/gif', 'text/html', undefined))
        .map(([body, contentType]) => ({ body, contentType })),
      fc
        .tuple(fc.option(bytes, { nil: undefined }), fc.option(hostileString, { nil: undefined }))
        .map(([file, alt]) => {
          const form = new FormData();
          if (file) form.append('file', new File([file], 'photo.png', { type: 'image/png' }));
          if (alt !== undefined) form.append('altText', alt);
          return { body: form };
        }),
      fc.constant({ body: undefined }),
    );
  }
  const jsonSchema = content['application/json']?.schema;
  if (!jsonSchema) {
    return fc.option(hostileBodyText(null), { nil: undefined, freq: 4 }).map((body) => ({
      body,
      contentType: body === undefined ? undefined : 'application/json',
    }));
  }
  const validArb = valid(jsonSchema);
  return fc
    .tuple(
      fc.oneof(
        { weight: 2, arbitrary: validArb.map((v) => JSON.stringify(v)) },
        { weight: 3, arbitrary: hostileBodyText(validArb) },
      ),
      contentTypeArb,
    )
    .map(([body, contentType]) => ({ body, contentType }));
}

function requestArb(op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  return fc
    .record({
      path: fc.tuple(...pathParams.map((p) => pathValue(op, p))),
      query: queryArb(op),
      auth: authArb(op),
      body: bodyArb(op),
      extraHeaders: fc.array(
        fc.tuple(
          fc.constantFrom('Idempotency-Key', 'If-Match', 'If-None-Match', 'X-Request-Id', 'Accept', 'Origin', 'Cookie'),
          hostileString,
        ),
        { maxLength: 2 },
      ),
    })
    .map(({ path, query, auth, body, extraHeaders }) => {
      let url = op.path;
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, path[i] as string);
      });
      const search = new URLSearchParams(query.map(([k, v]) => [wellFormed(k), wellFormed(v)])).toString();
      const headers: Record<string, string> = { 'CF-Connecting-IP': nextIp() };
      if (auth) headers.Authorization = auth;
      for (const [name, value] of extraHeaders) headers[name] = headerSafe(value);
      if (body.contentType) headers['Content-Type'] = body.contentType;
      const describeBody =
        typeof body.body === 'string'
          ? body.body.slice(0, 300)
          : body.body instanceof FormData
            ? 'FormData'
            : `${body.body?.byteLength ?? 0} bytes`;
      return {
        method: op.method.toUpperCase(),
        url: `${url}${search ? `?${search}` : ''}`,
        headers,
        body: body.body,
        describe: `${op.method.toUpperCase()} ${url.slice(0, 200)}?${search.slice(0, 300)} headers=${JSON.stringify(
          Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.slice(0, 80)])),
        )} body=${JSON.stringify(describeBody)}`,
      };
    });
}

// --- the documented response ------------------------------------------------------------------

/** Where `value` departs from `schema` (a small JSON Schema subset: what /openapi.json uses). */
function mismatches(schema: Schema, value: unknown, path = '$'): string[] {
  const s = resolve(schema);
  if (Array.isArray(s.allOf)) return (s.allOf as Schema[]).flatMap((part) => mismatches(part, value, path));
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alternatives) {
    return alternatives.some((a) => mismatches(a, value, path).length === 0)
      ? []
      : [`${path}: matches none of ${alternatives.length} alternatives`];
  }
  if (Array.isArray(s.enum) && !(s.enum as unknown[]).includes(value)) return [`${path}: not in enum`];
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  if (s.nullable === true && value === null) return [];
  if (types.length > 0) {
    const actual =
      value === null
        ? 'null'
        : Array.isArray(value)
          ? 'array'
          : Number.isInteger(value)
            ? 'integer'
            : typeof value === 'number'
              ? 'number'
              : typeof value;
    const ok = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!ok) return [`${path}: expected ${types.join('|')}, got ${actual}`];
  }
  const errors: string[] = [];
  if (typeof value === 'string' && s.format === 'uuid' && !/^[0-9a-f-]{36}$/i.test(value)) {
    errors.push(`${path}: not a uuid`);
  }
  if (typeof value === 'string' && s.format === 'date-time' && Number.isNaN(Date.parse(value))) {
    errors.push(`${path}: not a date-time`);
  }
  if (Array.isArray(value) && s.items) {
    value.forEach((item, i) => {
      errors.push(...mismatches(s.items as Schema, item, `${path}[${i}]`));
    });
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const key of (s.required ?? []) as string[]) {
      if (!(key in value)) errors.push(`${path}.${key}: missing`);
    }
    for (const [key, v] of Object.entries(value)) {
      const prop = props[key];
      if (prop) errors.push(...mismatches(prop, v, `${path}.${key}`));
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        errors.push(...mismatches(s.additionalProperties as Schema, v, `${path}.${key}`));
      }
    }
  }
  return errors;
}

async function check(op: Operation, req: FuzzRequest): Promise<void> {
  const res = await SELF.fetch(`${BASE}${req.url}`, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  const where = `${res.status} for ${req.describe}\n→ ${text.slice(0, 400)}`;
  expect(res.status, where).toBeLessThan(500);
  const documented = Object.keys(op.responses).map(Number);
  expect(documented.includes(res.status) || GLOBAL_ERRORS.has(res.status), `undocumented ${where}`).toBe(true);
  if (res.status >= 400) {
    expect(res.headers.get('Content-Type'), where).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(text) as Record<string, unknown>;
    expect(mismatches(doc.components.schemas.Problem as Schema, problem), where).toEqual([]);
    expect(problem.status, where).toBe(res.status);
    expect(problem.requestId, where).toBe(res.headers.get('X-Request-Id'));
    expect(LEAK.test(text), `leaks internals: ${where}`).toBe(false);
    return;
  }
  const schema = op.responses[String(res.status)]?.content?.['application/json']?.schema;
  if (schema && res.status !== 204 && res.status !== 304) {
    expect(res.headers.get('Content-Type'), where).toMatch(/^application\/json/);
    expect(mismatches(schema, JSON.parse(text)), where).toEqual([]);
  }
}

function operations(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method, path, ...op, parameters: (op.parameters ?? []) as Parameter[] });
    }
  }
  return ops;
}

// Named here to get one test each (the document is fetched only once the tests run); an
// operation added later is still fuzzed, by the last test.
const OPERATIONS: readonly string[] = API_OPERATIONS;

beforeAll(async () => {
  doc = await json<OpenApiDoc>(await api('/openapi.json'));
  superAdmin = await createTestUser({ role: 'super_admin' });
  plainUser = await createTestUser({ role: 'user' });
  const victim = await createTestUser({ role: 'user' });
  const listing = await createTestProperty({ createdBy: superAdmin.id });
  const photo = await api(`/v1/admin/properties/${listing.id}/images`, {
    method: 'POST',
    token: superAdmin.token,
    body: fixture('png-7x5.png'),
    headers: { 'Content-Type': 'image/png' },
  });
  const image = photo.status === 201 ? (await json<{ id: string }>(photo)).id : undefined;
  const inquiry = await api('/v1/inquiries', {
    json: { propertyId: listing.id, name: 'Fuzz', email: 'fuzz@example.com', message: 'A seeded fuzz inquiry.' },
    ip: nextIp(),
  });
  const inquiryId = inquiry.status === 201 ? (await json<{ id: string }>(inquiry)).id : undefined;
  pool.idOrSlug = [listing.id, listing.slug];
  pool['/v1/admin/users/{id}:id'] = [victim.id];
  pool['/v1/admin/users/{id}/unlock:id'] = [victim.id];
  pool['/v1/admin/users/{id}/sessions:id'] = [victim.id];
  pool['/v1/admin/inquiries/{id}:id'] = inquiryId ? [inquiryId] : [];
  pool['/v1/images/{id}:id'] = image ? [image] : [];
  pool['/v1/admin/images/{id}:id'] = image ? [image] : [];
  pool['/v1/me/sessions/{id}:id'] = [victim.sessionId];
  const saved = await api('/v1/me/saved-searches', {
    method: 'POST',
    token: superAdmin.token,
    json: { name: 'Fuzz', query: { city: 'Austin' } },
  });
  pool['/v1/me/saved-searches/{id}:id'] = saved.status === 201 ? [(await json<{ id: string }>(saved)).id] : [];
  pool.id = [listing.id];
});

async function fuzz(op: Operation): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requestArb(op), (req) => check(op, req)),
    { numRuns: RUNS, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
  );
}

const named = (op: Operation) => `${op.method.toUpperCase()} ${op.path}`;

describe('fuzz: every operation of /openapi.json', () => {
  it('GET /openapi.json still has every operation named here', () => {
    const documented = operations().map(named);
    expect(OPERATIONS.filter((name) => !documented.includes(name))).toEqual([]);
  });

  for (const name of OPERATIONS) {
    it(`${name} answers every fuzzed request with a documented 2xx/4xx, never a 5xx or a stack trace`, async () => {
      const op = operations().find((o) => named(o) === name);
      if (!op) throw new Error(`${name} is not in /openapi.json`);
      await fuzz(op);
    });
  }

  it('operations added to /openapi.json since this list was written are fuzzed too', async () => {
    for (const op of operations().filter((o) => !OPERATIONS.includes(named(o)))) await fuzz(op);
  });
});
