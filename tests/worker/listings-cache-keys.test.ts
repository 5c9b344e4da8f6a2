import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { api, expectProblem, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, type TestUser } from '../helpers/users';

const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** A listing of this file's own (its own city too, so its search keys are its own). */
const insertListing = (over: Parameters<typeof createTestProperty>[0] = {}) =>
  createTestProperty({
    slug: `cachekey-${tag()}`,
    title: 'Cache key home',
    price: 90_000_000,
    addressLine1: '9 Key Street',
    city: `Keyton${tag()}`,
    ...over,
  });

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

const app = createApp();
// Memory off: every hit below is a Cache API lookup under the canonical key.
const edgeOnly = { DETAIL_MEMORY_CACHE_SECONDS: '0', VIEW_FLUSH_MS: '0' };
const withMemory = { DETAIL_MEMORY_CACHE_SECONDS: '60', VIEW_FLUSH_MS: '0' };

const percentEncoded = (s: string) =>
  [...s].map((ch) => (/[a-z]/.test(ch) ? `%${ch.charCodeAt(0).toString(16)}` : ch)).join('');

describe('GET /v1/properties/:idOrSlug cache keys', () => {
  for (const [name, vars] of [
    ['edge cache', edgeOnly],
    ['memory', withMemory],
  ] as const) {
    it(`GET /v1/properties/:idOrSlug serves URL variants from one canonical ${name} entry and an admin edit purges them all`, async () => {
      const listing = await insertListing({ title: 'Before the variants' });
      const variants = [
        `/v1/properties/${listing.id.toUpperCase()}`,
        `/v1/properties/${listing.id}?utm=x`,
        `/v1/properties/${listing.id}?random=${tag()}`,
        `/v1/properties/${percentEncoded(listing.slug)}`,
        `/v1/properties/${listing.slug}?utm_source=mail&x=1`,
      ];
      for (const key of [listing.id, listing.slug]) {
        await (await callApp(app, `/v1/properties/${key}`, { vars })).background;
      }
      for (const path of variants) {
        const { response } = await callApp(app, path, { vars });
        expect(response.status, path).toBe(200);
        expect(response.headers.get('X-Cache'), path).toMatch(/^HIT/);
      }
      const patched = await callApp(app, `/v1/admin/properties/${listing.id}`, {
        method: 'PATCH',
        token: admin.token,
        json: { title: 'After the variants' },
        vars,
      });
      expect(patched.response.status).toBe(200);
      for (const path of variants) {
        const { response } = await callApp(app, path, { vars });
        expect((await json<{ title: string }>(response)).title, path).toBe('After the variants');
      }
    });
  }

  it('GET /v1/properties/:idOrSlug is a 404 for every variant once an admin deletes the listing', async () => {
    const listing = await insertListing();
    const variants = [
      `/v1/properties/${listing.id.toUpperCase()}`,
      `/v1/properties/${listing.id}?utm=x`,
      `/v1/properties/${percentEncoded(listing.slug)}`,
    ];
    for (const path of variants) await (await callApp(app, path, { vars: edgeOnly })).background;
    const del = await callApp(app, `/v1/admin/properties/${listing.id}`, {
      method: 'DELETE',
      token: admin.token,
      vars: edgeOnly,
    });
    expect(del.response.status).toBe(204);
    for (const path of variants) {
      await expectProblem((await callApp(app, path, { vars: edgeOnly })).response, 404);
    }
  });
});

describe('GET /v1/properties and /v1/properties/facets cache keys', () => {
  for (const path of ['/v1/properties', '/v1/properties/facets']) {
    it(`GET ${path} keys the cache by the parsed parameters: order, spelling and defaults do not matter`, async () => {
      const listing = await insertListing();
      const city = encodeURIComponent(listing.city);
      const first = await callApp(app, `${path}?city=${city}&listingType=sale&minPrice=1000`, { vars: edgeOnly });
      expect(first.response.status).toBe(200);
      expect(first.response.headers.get('X-Cache')).toBe('MISS');
      await first.background;
      const extra = path === '/v1/properties' ? '&sort=newest&limit=20' : '';
      for (const variant of [
        `${path}?minPrice=1000&listingType=sale&city=${city}`,
        `${path}?listingType=sale&minPrice=01000&city=%20${city}%20${extra}`,
      ]) {
        const { response } = await callApp(app, variant, { vars: edgeOnly });
        expect(response.status, variant).toBe(200);
        expect(response.headers.get('X-Cache'), variant).toBe('HIT');
      }
    });

    it(`GET ${path} refuses an unknown parameter with a 422 instead of caching it`, async () => {
      await expectProblem(await api(`${path}?utm=${tag()}`), 422, 'VALIDATION_FAILED');
    });
  }
});
