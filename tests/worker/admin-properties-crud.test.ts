import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { inquiries, properties, propertyStatusHistory } from '../../src/db/schema';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestUser, type TestUser } from '../helpers/users';

let admin: TestUser;

beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

const tag = () => Math.random().toString(36).slice(2, 8);

const valid = (over: Record<string, unknown> = {}) => ({
  title: `Modern loft ${tag()}`,
  description: 'Open plan, south facing.',
  propertyType: 'apartment',
  listingType: 'rent',
  price: 250_000,
  currency: 'USD',
  bedrooms: 2,
  bathrooms: 1.5,
  areaSqm: 85,
  address: { line1: '5 Elm Street', city: 'Austin', region: 'TX', postalCode: '78701', country: 'US' },
  latitude: 30.27,
  longitude: -97.74,
  features: ['balcony', 'elevator'],
  ...over,
});

interface AdminProperty {
  id: string;
  slug: string;
  title: string;
  status: string;
  version: number;
  price: number;
  priceFormatted: string;
  address: { city: string; line1: string };
  images: unknown[];
}

const create = (body: unknown, token = admin.token) => api('/v1/admin/properties', { token, json: body });

async function created(body: unknown = valid()): Promise<AdminProperty> {
  const res = await create(body);
  expect(res.status).toBe(201);
  return json<AdminProperty>(res);
}

const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  api(`/v1/admin/properties/${id}`, { method: 'PATCH', token: admin.token, json: body, headers });

describe('POST /v1/admin/properties', () => {
  it('POST /v1/admin/properties creates a draft with a slug from the title, an ETag and a Location', async () => {
    const title = `Sunny Café & Garden ${tag()}`;
    const res = await create(valid({ title }));
    expect(res.status).toBe(201);
    const body = await json<AdminProperty>(res);
    expect(body.status).toBe('draft');
    expect(body.title).toBe(title);
    expect(body.slug).toBe(title.toLowerCase().replace('é', 'e').replace(' & ', '-').replaceAll(' ', '-'));
    expect(body.priceFormatted).toBe('$2,500/month');
    expect(body.images).toEqual([]);
    expect(body.version).toBe(1);
    expect(res.headers.get('ETag')).toBe('"v1"');
    expect(res.headers.get('Location')).toBe(`/v1/admin/properties/${body.id}`);
    const [row] = await testDb().select().from(properties).where(eq(properties.id, body.id));
    expect(row?.createdBy).toBe(admin.id);
  });

  it('POST /v1/admin/properties keeps slugs unique when titles repeat', async () => {
    const title = `Twin house ${tag()}`;
    const a = await created(valid({ title }));
    const b = await created(valid({ title }));
    const c = await created(valid({ title }));
    expect(new Set([a.slug, b.slug, c.slug]).size).toBe(3);
    expect(b.slug).toBe(`${a.slug}-2`);
    expect(c.slug).toBe(`${a.slug}-3`);
  });

  it('POST /v1/admin/properties gives a slug even to a title with no Latin letters', async () => {
    const body = await created(valid({ title: '東京の家' }));
    expect(body.slug).toMatch(/^listing(-\d+)?$/);
  });

  const invalid: Array<[string, Record<string, unknown>]> = [
    ['an unknown key', valid({ colour: 'blue' })],
    ['a status (statuses change only through /status)', valid({ status: 'active' })],
    ['an unknown key in the address', valid({ address: { line1: 'x', city: 'y', country: 'US', planet: 'Earth' } })],
    [
      'no title',
      (() => {
        const { title: _t, ...rest } = valid();
        return rest;
      })(),
    ],
    ['a two-letter title', valid({ title: 'ab' })],
    ['a negative price', valid({ price: -1 })],
    ['a fractional price', valid({ price: 10.5 })],
    ['a lower-case currency', valid({ currency: 'usd' })],
    ['an unknown property type', valid({ propertyType: 'castle' })],
    ['a three-letter country', valid({ address: { line1: 'x', city: 'y', country: 'USA' } })],
    ['latitude without longitude', valid({ longitude: undefined })],
    ['latitude out of range', valid({ latitude: 91 })],
    ['quarter bathrooms', valid({ bathrooms: 1.25 })],
    ['too many features', valid({ features: Array.from({ length: 51 }, (_, i) => `f${i}`) })],
  ];
  for (const [name, body] of invalid) {
    it(`POST /v1/admin/properties with ${name} is a 422`, async () => {
      const problem = await expectProblem(await create(body), 422, 'VALIDATION_FAILED');
      expect(problem.errors?.length).toBeGreaterThan(0);
    });
  }

  it('POST /v1/admin/properties is a 400 for malformed JSON', async () => {
    const res = await api('/v1/admin/properties', {
      method: 'POST',
      token: admin.token,
      body: '{"title": ',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });

  it('POST /v1/admin/properties needs an admin token', async () => {
    await expectProblem(await api('/v1/admin/properties', { json: valid() }), 401);
    const user = await createTestUser({ role: 'user' });
    await expectProblem(await create(valid(), user.token), 403);
    const mustChange = await createTestUser({ role: 'admin', mustChangePassword: true });
    await expectProblem(await create(valid(), mustChange.token), 403, 'PASSWORD_CHANGE_REQUIRED');
  });
});

describe('GET /v1/admin/properties/:id', () => {
  it('GET /v1/admin/properties/:id returns drafts with the version ETag', async () => {
    const listing = await created();
    const res = await api(`/v1/admin/properties/${listing.id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('"v1"');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect((await json<AdminProperty>(res)).id).toBe(listing.id);
  });

  it('GET /v1/admin/properties/:id is a 404 for an unknown id and a 422 for a malformed one', async () => {
    await expectProblem(
      await api('/v1/admin/properties/01900000-0000-7000-8000-000000000000', { token: admin.token }),
      404,
    );
    await expectProblem(await api('/v1/admin/properties/not-a-uuid', { token: admin.token }), 422);
  });
});

describe('PATCH /v1/admin/properties/:id', () => {
  it('PATCH /v1/admin/properties/:id with the current If-Match updates and bumps the ETag', async () => {
    const listing = await created();
    const res = await patch(listing.id, { price: 300_000, address: { city: 'Dallas' } }, { 'If-Match': '"v1"' });
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('"v2"');
    const body = await json<AdminProperty>(res);
    expect(body.price).toBe(300_000);
    expect(body.priceFormatted).toBe('$3,000/month');
    expect(body.address.city).toBe('Dallas');
    expect(body.address.line1).toBe('5 Elm Street');
    expect(body.slug).toBe(listing.slug);
  });

  it('PATCH /v1/admin/properties/:id with a stale If-Match is a 412 and changes nothing', async () => {
    const listing = await created();
    expect((await patch(listing.id, { title: 'First edit wins' }, { 'If-Match': '"v1"' })).status).toBe(200);
    await expectProblem(await patch(listing.id, { title: 'Second edit loses' }, { 'If-Match': '"v1"' }), 412);
    const [row] = await testDb().select().from(properties).where(eq(properties.id, listing.id));
    expect(row?.title).toBe('First edit wins');
    expect(row?.version).toBe(2);
  });

  it('PATCH /v1/admin/properties/:id accepts a weakened ETag (as a compressing proxy sends it)', async () => {
    const listing = await created();
    expect((await patch(listing.id, { bedrooms: 3 }, { 'If-Match': 'W/"v1"' })).status).toBe(200);
  });

  it('PATCH /v1/admin/properties/:id lets exactly one of two concurrent edits with the same If-Match win', async () => {
    const listing = await created();
    const results = await Promise.all([
      patch(listing.id, { title: 'Edit A wins?' }, { 'If-Match': '"v1"' }),
      patch(listing.id, { title: 'Edit B wins?' }, { 'If-Match': '"v1"' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    await Promise.all(results.map((r) => r.arrayBuffer()));
  });

  it('PATCH /v1/admin/properties/:id without If-Match updates (last write wins)', async () => {
    const listing = await created();
    const res = await patch(listing.id, { features: [] });
    expect(res.status).toBe(200);
    expect((await json<{ features: string[] }>(res)).features).toEqual([]);
  });

  it('PATCH /v1/admin/properties/:id rejects unknown keys, status, empty bodies and bad If-Match with a 422', async () => {
    const listing = await created();
    await expectProblem(await patch(listing.id, { colour: 'red' }), 422);
    await expectProblem(await patch(listing.id, { status: 'active' }), 422);
    await expectProblem(await patch(listing.id, {}), 422);
    await expectProblem(await patch(listing.id, { address: { country: 'usa' } }), 422);
    await expectProblem(await patch(listing.id, { title: 'ok title' }, { 'If-Match': 'v1' }), 422);
    const [row] = await testDb().select().from(properties).where(eq(properties.id, listing.id));
    expect(row?.version).toBe(1);
  });

  it('PATCH /v1/admin/properties/:id is a 404 for an unknown listing', async () => {
    await expectProblem(await patch('01900000-0000-7000-8000-000000000000', { title: 'Nobody' }), 404);
  });
});

describe('DELETE /v1/admin/properties/:id', () => {
  it('DELETE /v1/admin/properties/:id removes the listing; a second delete is a 404', async () => {
    const listing = await created();
    const res = await api(`/v1/admin/properties/${listing.id}`, { method: 'DELETE', token: admin.token });
    expect(res.status).toBe(204);
    expect(await testDb().select().from(properties).where(eq(properties.id, listing.id))).toEqual([]);
    await expectProblem(await api(`/v1/admin/properties/${listing.id}`, { method: 'DELETE', token: admin.token }), 404);
  });

  it('DELETE /v1/admin/properties/:id needs an admin', async () => {
    const listing = await created();
    const user = await createTestUser();
    await expectProblem(await api(`/v1/admin/properties/${listing.id}`, { method: 'DELETE', token: user.token }), 403);
    await expectProblem(await api(`/v1/admin/properties/${listing.id}`, { method: 'DELETE' }), 401);
  });
});

describe('GET /v1/admin/properties', () => {
  it('GET /v1/admin/properties lists every status and filters by status', async () => {
    const city = `Admincity ${tag()}`;
    const draft = await created(valid({ address: { line1: '1 A St', city, country: 'US' } }));
    const active = await created(valid({ address: { line1: '2 A St', city, country: 'US' } }));
    await api(`/v1/admin/properties/${active.id}/status`, { token: admin.token, json: { status: 'active' } });
    const all = await json<{ data: Array<{ id: string }> }>(
      await api(`/v1/admin/properties?city=${encodeURIComponent(city)}`, { token: admin.token }),
    );
    expect(new Set(all.data.map((p) => p.id))).toEqual(new Set([draft.id, active.id]));
    const drafts = await json<{ data: Array<{ id: string }> }>(
      await api(`/v1/admin/properties?status=draft&city=${encodeURIComponent(city)}`, { token: admin.token }),
    );
    expect(drafts.data.map((p) => p.id)).toEqual([draft.id]);
  });

  it('GET /v1/admin/properties rejects a public cursor and bad filters with a 422, and anonymous callers with 401', async () => {
    const city = `Cursorcity ${tag()}`;
    for (let i = 0; i < 2; i++) {
      const l = await created(valid({ address: { line1: '1 B St', city, country: 'US' } }));
      await api(`/v1/admin/properties/${l.id}/status`, { token: admin.token, json: { status: 'active' } });
    }
    const publicPage = await json<{ nextCursor: string }>(
      await api(`/v1/properties?city=${encodeURIComponent(city)}&limit=1`),
    );
    expect(publicPage.nextCursor).toBeTruthy();
    await expectProblem(
      await api(`/v1/admin/properties?city=${encodeURIComponent(city)}&limit=1&cursor=${publicPage.nextCursor}`, {
        token: admin.token,
      }),
      422,
      'INVALID_CURSOR',
    );
    await expectProblem(await api('/v1/admin/properties?status=archived', { token: admin.token }), 422);
    await expectProblem(await api('/v1/admin/properties'), 401);
  });
});

describe('PATCH /v1/admin/properties/:id If-Match contract', () => {
  it('PATCH /v1/admin/properties/:id documents in /openapi.json that leaving out If-Match is last-write-wins', async () => {
    const doc = await json<{
      paths: Record<string, Record<string, { description?: string; parameters?: Array<Record<string, unknown>> }>>;
    }>(await api('/openapi.json'));
    const op = doc.paths['/v1/admin/properties/{id}']?.patch;
    expect(op?.description).toMatch(/If-Match/);
    expect(op?.description).toMatch(/last[- ]write[- ]wins/i);
    const ifMatch = op?.parameters?.find((p) => String(p.name).toLowerCase() === 'if-match');
    expect(ifMatch?.required ?? false).toBe(false);
    expect(String(ifMatch?.description)).toMatch(/last[- ]write[- ]wins/i);
  });
});

describe('DELETE /v1/admin/properties/:id keeps what the agency needs', () => {
  it('DELETE /v1/admin/properties/:id keeps the status history and the inquiries keep the listing id and title', async () => {
    const listing = await created(valid({ title: `Soon deleted ${tag()}` }));
    const activate = await api(`/v1/admin/properties/${listing.id}/status`, {
      token: admin.token,
      json: { status: 'active', reason: 'ready' },
    });
    expect(activate.status).toBe(200);
    const inquiryId = uuidv7();
    await testDb().insert(inquiries).values({
      id: inquiryId,
      propertyId: listing.id,
      name: 'Ann Asker',
      email: 'ann@example.com',
      message: 'Is it still available?',
    });
    const del = await api(`/v1/admin/properties/${listing.id}`, { method: 'DELETE', token: admin.token });
    expect(del.status).toBe(204);

    const rows = await testDb()
      .select()
      .from(propertyStatusHistory)
      .where(eq(propertyStatusHistory.propertyId, listing.id));
    expect(rows.map((r) => [r.fromStatus, r.toStatus, r.reason])).toEqual([['draft', 'active', 'ready']]);
    const history = await api(`/v1/admin/properties/${listing.id}/history`, { token: admin.token });
    expect(history.status).toBe(200);
    const entries = (await json<{ data: Array<{ from: string; to: string; changedBy: string }> }>(history)).data;
    expect(entries).toMatchObject([{ from: 'draft', to: 'active', changedBy: admin.id }]);

    const inquiry = await api(`/v1/admin/inquiries/${inquiryId}`, { token: admin.token });
    expect(inquiry.status).toBe(200);
    const body = await json<{ propertyId: string | null; property: unknown; deletedProperty: unknown }>(inquiry);
    expect(body.propertyId).toBeNull();
    expect(body.property).toBeNull();
    expect(body.deletedProperty).toEqual({ id: listing.id, title: listing.title });
  });

  it('GET /v1/admin/properties/:id/history is still a 404 for an id that never was a listing', async () => {
    await expectProblem(await api(`/v1/admin/properties/${uuidv7()}/history`, { token: admin.token }), 404);
  });
});
