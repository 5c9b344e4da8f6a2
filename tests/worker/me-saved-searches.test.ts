import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { savedSearches } from '../../src/db/schema';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, randomIp, type TestUser } from '../helpers/users';

interface SavedSearchJson {
  id: string;
  name: string;
  query: Record<string, string>;
  alerts: string[];
  frequency: string;
  createdAt: string;
  lastAlertedAt: string | null;
}

const BASE_PATH = '/v1/me/saved-searches';

function create(user: TestUser, body: unknown) {
  return api(BASE_PATH, { method: 'POST', token: user.token, json: body });
}

function patch(user: TestUser, id: string, body: unknown) {
  return api(`${BASE_PATH}/${id}`, { method: 'PATCH', token: user.token, json: body });
}

async function created(user: TestUser, body: Record<string, unknown>): Promise<SavedSearchJson> {
  const res = await create(user, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return json<SavedSearchJson>(res);
}

const rowsOf = (userId: string) => testDb().select().from(savedSearches).where(eq(savedSearches.userId, userId));
const rowOf = async (id: string) => (await testDb().select().from(savedSearches).where(eq(savedSearches.id, id)))[0];

describe('POST /v1/me/saved-searches', () => {
  it('POST /v1/me/saved-searches accepts JSON numbers and stores the query in its canonical URL spelling', async () => {
    const user = await createTestUser();
    const body = await created(user, {
      name: '  Family homes  ',
      query: {
        q: '  garden  ',
        city: 'AusTin',
        propertyType: 'house',
        listingType: 'sale',
        minPrice: 100000,
        maxPrice: '90000000',
        minBedrooms: 3,
        minBathrooms: 1.5,
        minArea: 80,
        maxArea: 400,
        near: '30.26720,-97.7431',
      },
    });
    expect(body).toMatchObject({
      name: 'Family homes',
      query: {
        q: 'garden',
        city: 'AusTin',
        propertyType: 'house',
        listingType: 'sale',
        minPrice: '100000',
        maxPrice: '90000000',
        minBedrooms: '3',
        minBathrooms: '1.5',
        minArea: '80',
        maxArea: '400',
        near: '30.2672,-97.7431',
      },
      alerts: ['new_listing', 'price_drop', 'back_on_market'],
      frequency: 'instant',
      lastAlertedAt: null,
    });
    expect(Object.values(body.query).every((v) => typeof v === 'string')).toBe(true);
    expect(Number.isNaN(Date.parse(body.createdAt))).toBe(false);

    // The typed columns are the same filters, parsed; city as search compares it; near's default radius.
    const row = await rowOf(body.id);
    expect(row).toMatchObject({
      userId: user.id,
      query: body.query,
      q: 'garden',
      city: 'austin',
      propertyType: 'house',
      listingType: 'sale',
      minPrice: 100_000,
      maxPrice: 90_000_000,
      minBedrooms: 3,
      minBathrooms: 1.5,
      minArea: 80,
      maxArea: 400,
      nearLat: 30.2672,
      nearLng: -97.7431,
      radiusKm: 25,
      bboxMinLng: null,
    });
  });

  it('POST /v1/me/saved-searches: the saved query, as URL parameters, runs the search with GET /v1/properties', async () => {
    const user = await createTestUser();
    const city = `Savedville ${Math.random().toString(36).slice(2, 8)}`;
    const at = { latitude: 30.27, longitude: -97.74 };
    const listing = await createTestProperty({ city, price: 30_000_000, bedrooms: 4, ...at });
    await createTestProperty({ city, price: 99_000_000, bedrooms: 4, ...at });
    const body = await created(user, {
      name: 'Cheap in town',
      query: {
        city: city.toUpperCase(),
        maxPrice: 50000000,
        minBedrooms: 2,
        bbox: '-180,-90.0,180,90',
        minBathrooms: 0,
      },
      alerts: ['price_drop'],
      frequency: 'daily',
    });
    expect(body.query.bbox).toBe('-180,-90,180,90');
    const res = await api(`/v1/properties?${new URLSearchParams(body.query)}`);
    expect(res.status).toBe(200);
    const page = await json<{ data: Array<{ id: string }> }>(res);
    expect(page.data.map((p) => p.id)).toEqual([listing.id]);
    expect(await rowOf(body.id)).toMatchObject({
      bboxMinLng: -180,
      bboxMinLat: -90,
      bboxMaxLng: 180,
      bboxMaxLat: 90,
      radiusKm: null,
      alerts: ['price_drop'],
      frequency: 'daily',
    });
  });

  it('POST /v1/me/saved-searches keeps tiny coordinates in plain decimals, so the saved query stays valid', async () => {
    const user = await createTestUser();
    const body = await created(user, {
      name: 'Null Island',
      query: { near: '0.0000001,-0.0000001', radiusKm: 0.5 },
    });
    expect(body.query).toEqual({ near: '0.0000001,-0.0000001', radiusKm: '0.5' });
    expect((await api(`/v1/properties?${new URLSearchParams(body.query)}`)).status).toBe(200);
  });

  it('POST /v1/me/saved-searches takes alerts as a set, in a fixed order, and an empty query (every listing)', async () => {
    const user = await createTestUser();
    const body = await created(user, {
      name: 'Anything',
      query: {},
      alerts: ['back_on_market', 'new_listing', 'back_on_market'],
      frequency: 'weekly',
    });
    expect(body).toMatchObject({ query: {}, alerts: ['new_listing', 'back_on_market'], frequency: 'weekly' });
  });

  it('POST /v1/me/saved-searches refuses what search refuses, with the same error paths under query., and stores nothing', async () => {
    const user = await createTestUser();
    // Each bad query, with the paths the search's filters (facets: the same schema) name for it.
    // `paging`: a parameter of the result list, which the search itself takes but a saved query does not.
    const cases: Array<{ query: Record<string, unknown>; paths: string[]; paging?: true }> = [
      { query: { colour: 'blue' }, paths: [''] },
      { query: { sort: 'price_asc' }, paths: [''], paging: true },
      { query: { cursor: 'abc.def' }, paths: [''], paging: true },
      { query: { limit: 10 }, paths: [''], paging: true },
      { query: { status: 'draft' }, paths: [''] },
      { query: { minPrice: 500, maxPrice: 100 }, paths: ['minPrice'] },
      { query: { minArea: 500, maxArea: 100 }, paths: ['minArea'] },
      { query: { radiusKm: 5 }, paths: ['radiusKm'] },
      { query: { bbox: '1,2,3' }, paths: ['bbox'] },
      { query: { bbox: '10,10,0,0' }, paths: ['bbox'] },
      { query: { near: '91,0' }, paths: ['near'] },
      { query: { propertyType: 'castle' }, paths: ['propertyType'] },
      { query: { listingType: 'lease' }, paths: ['listingType'] },
      { query: { minPrice: -1 }, paths: ['minPrice'] },
      { query: { minBedrooms: 2.5 }, paths: ['minBedrooms'] },
      { query: { minBathrooms: 1.234 }, paths: ['minBathrooms'] },
      { query: { minPrice: 1e21 }, paths: ['minPrice'] },
      { query: { q: '   ' }, paths: ['q'] },
      { query: { city: 'x'.repeat(101) }, paths: ['city'] },
    ];
    for (const { query, paths, paging } of cases) {
      const problem = await expectProblem(await create(user, { name: 'Bad', query }), 422, 'VALIDATION_FAILED');
      const where = JSON.stringify(query);
      expect(problem.errors?.map((e) => e.path).sort(), where).toEqual(
        paths.map((p) => (p ? `query.${p}` : 'query')).sort(),
      );
      // The same parameters in a URL: refused by the filters, and (but for paging) by the search, at the same paths.
      const asUrl = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
      const targets = paging ? ['/v1/properties/facets'] : ['/v1/properties/facets', '/v1/properties'];
      for (const target of targets) {
        const refused = await expectProblem(await api(`${target}?${asUrl}`), 422, 'VALIDATION_FAILED');
        expect(refused.errors?.map((e) => e.path).sort(), `${target} ${where}`).toEqual([...paths].sort());
      }
    }
    expect(await rowsOf(user.id)).toEqual([]);
  });

  it('POST /v1/me/saved-searches refuses bad names, alerts, frequencies and shapes with a 422 and stores nothing', async () => {
    const user = await createTestUser();
    const ok = { name: 'Fine', query: { city: 'Austin' } };
    const cases: Array<{ body: unknown; path: string }> = [
      { body: { ...ok, alerts: [] }, path: 'alerts' },
      { body: { ...ok, alerts: ['sold'] }, path: 'alerts.0' },
      { body: { ...ok, alerts: ['new_listing', 'price_drop', 'back_on_market', 'new_listing'] }, path: 'alerts' },
      { body: { ...ok, alerts: 'new_listing' }, path: 'alerts' },
      { body: { ...ok, frequency: 'hourly' }, path: 'frequency' },
      { body: { ...ok, name: 'x'.repeat(101) }, path: 'name' },
      { body: { ...ok, name: '   ' }, path: 'name' },
      { body: { ...ok, name: 'two\nlines' }, path: 'name' },
      { body: { ...ok, name: 'two\u2028lines' }, path: 'name' },
      { body: { ...ok, name: 'two\u2029paragraphs' }, path: 'name' },
      { body: { ...ok, name: 'nul\u0000' }, path: 'name' },
      { body: { name: 'No query' }, path: 'query' },
      { body: { ...ok, query: 'city=Austin' }, path: 'query' },
      { body: { ...ok, query: ['city', 'Austin'] }, path: 'query' },
      { body: { ...ok, query: null }, path: 'query' },
      { body: { ...ok, query: { city: 'a\u0000b' } }, path: 'query.city' },
      { body: { ...ok, userId: user.id }, path: '' },
      { body: { ...ok, lastAlertedAt: '2030-01-01T00:00:00Z' }, path: '' },
    ];
    for (const { body, path } of cases) {
      const problem = await expectProblem(await create(user, body), 422, 'VALIDATION_FAILED');
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect(await rowsOf(user.id)).toEqual([]);
  });

  it('POST /v1/me/saved-searches keeps at most 25 per user: the 26th is a 409 SAVED_SEARCH_LIMIT', async () => {
    const user = await createTestUser();
    for (let i = 0; i < 25; i++) await created(user, { name: `Search ${i}`, query: { minBedrooms: i } });
    await expectProblem(await create(user, { name: 'One too many', query: {} }), 409, 'SAVED_SEARCH_LIMIT');
    expect(await rowsOf(user.id)).toHaveLength(25);
    // Another user is not affected by this one's limit.
    await created(await createTestUser(), { name: 'Mine', query: {} });
  });

  it('POST /v1/me/saved-searches under a race: 26 concurrent creates of one user store exactly 25', async () => {
    const user = await createTestUser();
    const responses = await Promise.all(
      Array.from({ length: 26 }, (_, i) => create(user, { name: `Race ${i}`, query: { minArea: i } })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(25);
    expect(statuses.filter((s) => s === 409)).toHaveLength(1);
    const refused = responses.find((r) => r.status === 409) as Response;
    await expectProblem(refused, 409, 'SAVED_SEARCH_LIMIT');
    expect(await rowsOf(user.id)).toHaveLength(25);
  });

  it('POST /v1/me/saved-searches needs a signed-in user', async () => {
    await expectProblem(
      await api(BASE_PATH, { method: 'POST', ip: randomIp(), json: { name: 'Anon', query: {} } }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('GET /v1/me/saved-searches', () => {
  it('GET /v1/me/saved-searches lists only the caller’s, newest first, never cached', async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const first = await created(user, { name: 'First', query: {} });
    const second = await created(user, { name: 'Second', query: { city: 'Austin' } });
    await created(other, { name: 'Not yours', query: {} });
    const res = await api(BASE_PATH, { token: user.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const list = await json<{ data: SavedSearchJson[] }>(res);
    expect(list.data.map((s) => s.id)).toEqual([second.id, first.id]);
    expect(list.data[0]).toEqual(second);
  });

  it('GET /v1/me/saved-searches of a user with none is an empty list', async () => {
    const res = await api(BASE_PATH, { token: (await createTestUser()).token });
    expect(await json(res)).toEqual({ data: [] });
  });
});

describe('GET /v1/me/saved-searches/:id', () => {
  it('GET /v1/me/saved-searches/:id returns the caller’s own saved search', async () => {
    const user = await createTestUser();
    const saved = await created(user, { name: 'Mine', query: { listingType: 'rent' } });
    const res = await api(`${BASE_PATH}/${saved.id}`, { token: user.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await json(res)).toEqual(saved);
  });

  it('GET /v1/me/saved-searches/:id of another user’s is a 404, an unknown id 404, a malformed one 422', async () => {
    const owner = await createTestUser();
    const intruder = await createTestUser();
    const saved = await created(owner, { name: 'Private', query: {} });
    await expectProblem(
      await api(`${BASE_PATH}/${saved.id}`, { token: intruder.token }),
      404,
      'SAVED_SEARCH_NOT_FOUND',
    );
    await expectProblem(
      await api(`${BASE_PATH}/01890000-0000-7000-8000-0000000000ff`, { token: owner.token }),
      404,
      'SAVED_SEARCH_NOT_FOUND',
    );
    await expectProblem(await api(`${BASE_PATH}/not-a-uuid`, { token: owner.token }), 422, 'VALIDATION_FAILED');
  });
});

describe('PATCH /v1/me/saved-searches/:id', () => {
  it('PATCH /v1/me/saved-searches/:id changes only the fields given', async () => {
    const user = await createTestUser();
    const saved = await created(user, { name: 'Before', query: { city: 'Austin' }, alerts: ['new_listing'] });
    const res = await patch(user, saved.id, { name: 'After' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ...saved, name: 'After' });
    const renamed = await json<SavedSearchJson>(await patch(user, saved.id, { alerts: ['price_drop', 'new_listing'] }));
    expect(renamed).toEqual({ ...saved, name: 'After', alerts: ['new_listing', 'price_drop'] });
  });

  it('PATCH /v1/me/saved-searches/:id replaces the query whole, typed columns included', async () => {
    const user = await createTestUser();
    const saved = await created(user, {
      name: 'Geo',
      query: { city: 'Austin', near: '30.2,-97.7', radiusKm: 10, minPrice: 100 },
    });
    const res = await patch(user, saved.id, { query: { bbox: '-98,30,-97,31', maxPrice: 5000 } });
    expect(res.status).toBe(200);
    const body = await json<SavedSearchJson>(res);
    expect(body.query).toEqual({ bbox: '-98,30,-97,31', maxPrice: '5000' });
    expect(await rowOf(saved.id)).toMatchObject({
      city: null,
      nearLat: null,
      nearLng: null,
      radiusKm: null,
      minPrice: null,
      maxPrice: 5000,
      bboxMinLng: -98,
      bboxMaxLat: 31,
    });
  });

  it('PATCH /v1/me/saved-searches/:id turning alerts off and on again keeps createdAt', async () => {
    const user = await createTestUser();
    const saved = await created(user, { name: 'Toggle', query: {} });
    expect((await json<SavedSearchJson>(await patch(user, saved.id, { frequency: 'off' }))).frequency).toBe('off');
    const back = await json<SavedSearchJson>(await patch(user, saved.id, { frequency: 'daily', query: { q: 'loft' } }));
    expect(back).toMatchObject({ frequency: 'daily', query: { q: 'loft' }, createdAt: saved.createdAt });
  });

  it('PATCH /v1/me/saved-searches/:id refuses bad input with a 422 and changes nothing', async () => {
    const user = await createTestUser();
    const saved = await created(user, { name: 'Stable', query: { city: 'Austin' } });
    const before = await rowOf(saved.id);
    const cases: Array<{ body: unknown; path: string }> = [
      { body: {}, path: '' },
      { body: { query: { sort: 'newest' } }, path: 'query' },
      { body: { query: { minPrice: 9, maxPrice: 1 } }, path: 'query.minPrice' },
      { body: { query: { radiusKm: 3 } }, path: 'query.radiusKm' },
      { body: { alerts: [] }, path: 'alerts' },
      { body: { frequency: 'never' }, path: 'frequency' },
      { body: { name: 'ok', createdAt: '2020-01-01T00:00:00Z' }, path: '' },
      { body: { name: 'x'.repeat(101) }, path: 'name' },
    ];
    for (const { body, path } of cases) {
      const problem = await expectProblem(await patch(user, saved.id, body), 422, 'VALIDATION_FAILED');
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect(await rowOf(saved.id)).toEqual(before);
  });

  it('PATCH /v1/me/saved-searches/:id of another user’s is a 404 and changes nothing', async () => {
    const owner = await createTestUser();
    const intruder = await createTestUser();
    const saved = await created(owner, { name: 'Private', query: {} });
    await expectProblem(
      await patch(intruder, saved.id, { name: 'Hijacked', frequency: 'off' }),
      404,
      'SAVED_SEARCH_NOT_FOUND',
    );
    expect(await rowOf(saved.id)).toMatchObject({ name: 'Private', frequency: 'instant' });
  });
});

describe('DELETE /v1/me/saved-searches/:id', () => {
  it('DELETE /v1/me/saved-searches/:id deletes it; a second delete is a 404', async () => {
    const user = await createTestUser();
    const saved = await created(user, { name: 'Gone soon', query: {} });
    const res = await api(`${BASE_PATH}/${saved.id}`, { method: 'DELETE', token: user.token });
    expect(res.status).toBe(204);
    expect(await rowOf(saved.id)).toBeUndefined();
    await expectProblem(
      await api(`${BASE_PATH}/${saved.id}`, { method: 'DELETE', token: user.token }),
      404,
      'SAVED_SEARCH_NOT_FOUND',
    );
  });

  it('DELETE /v1/me/saved-searches/:id of another user’s is a 404 and keeps it', async () => {
    const owner = await createTestUser();
    const intruder = await createTestUser();
    const saved = await created(owner, { name: 'Keep', query: {} });
    await expectProblem(
      await api(`${BASE_PATH}/${saved.id}`, { method: 'DELETE', token: intruder.token }),
      404,
      'SAVED_SEARCH_NOT_FOUND',
    );
    expect(await rowOf(saved.id)).toBeDefined();
  });

  it('DELETE /v1/me/saved-searches/:id frees a place under the limit', async () => {
    const user = await createTestUser();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await created(user, { name: `S${i}`, query: {} })).id);
    await expectProblem(await create(user, { name: 'Full', query: {} }), 409, 'SAVED_SEARCH_LIMIT');
    expect((await api(`${BASE_PATH}/${ids[0]}`, { method: 'DELETE', token: user.token })).status).toBe(204);
    await created(user, { name: 'Fits again', query: {} });
  });
});
