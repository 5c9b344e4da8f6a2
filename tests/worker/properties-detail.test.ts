import { and, eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { analyticsEvents, properties, propertyImages } from '../../src/db/schema';
import { api, expectProblem, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testDb } from '../helpers/db';
import { createTestUser, type TestUser } from '../helpers/users';

type Insert = typeof properties.$inferInsert;
const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

async function insertListing(over: Partial<Insert> = {}) {
  const row = {
    id: uuidv7(),
    slug: `detail-${tag()}`,
    title: 'Detail test home',
    description: 'A full description.',
    propertyType: 'house' as const,
    listingType: 'sale' as const,
    status: 'active' as const,
    price: 125_000_000,
    currency: 'USD',
    addressLine1: '3 Detail Road',
    city: 'Detailville',
    region: 'DV',
    postalCode: '12345',
    country: 'US',
    latitude: 10,
    longitude: 20,
    features: ['pool'],
    ...over,
  };
  await testDb().insert(properties).values(row);
  return row;
}

interface Property {
  id: string;
  slug: string;
  title: string;
  description: string;
  priceFormatted: string;
  address: Record<string, string>;
  images: Array<{ id: string; url: string; sortOrder: number; isCover: boolean; width: number; altText: string }>;
  createdAt: string;
}

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

describe('GET /v1/properties/:idOrSlug', () => {
  it('GET /v1/properties/:idOrSlug returns the full listing by id and by slug with images in order', async () => {
    const listing = await insertListing();
    const image = (sortOrder: number, isCover: boolean) => ({
      id: uuidv7(),
      propertyId: listing.id,
      r2Key: `properties/${listing.id}/${tag()}`,
      contentType: 'image/png',
      byteSize: 100,
      width: 100 + sortOrder,
      height: 50,
      sha256: 'c'.repeat(64),
      altText: `photo ${sortOrder}`,
      sortOrder,
      isCover,
    });
    const images = [image(2, false), image(0, true), image(1, false)];
    await testDb().insert(propertyImages).values(images);
    const byId = await api(`/v1/properties/${listing.id}`);
    expect(byId.status).toBe(200);
    const body = await json<Property>(byId);
    expect(body).toMatchObject({
      id: listing.id,
      slug: listing.slug,
      title: 'Detail test home',
      description: 'A full description.',
      priceFormatted: '$1,250,000',
      address: { line1: '3 Detail Road', city: 'Detailville', region: 'DV', postalCode: '12345', country: 'US' },
    });
    expect(body.images.map((i) => i.sortOrder)).toEqual([0, 1, 2]);
    expect(body.images.map((i) => i.altText)).toEqual(['photo 0', 'photo 1', 'photo 2']);
    expect(body.images.filter((i) => i.isCover)).toHaveLength(1);
    expect(body.images[0]?.url).toMatch(/^http.*\/v1\/images\/[0-9a-f-]{36}$/);
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
    const bySlug = await json<Property>(await api(`/v1/properties/${listing.slug}`));
    expect(bySlug).toEqual(body);
  });

  it('GET /v1/properties/:idOrSlug is a 404 for drafts, unknown ids, unknown and malformed slugs', async () => {
    const draft = await insertListing({ status: 'draft' });
    await expectProblem(await api(`/v1/properties/${draft.id}`), 404);
    await expectProblem(await api(`/v1/properties/${draft.slug}`), 404);
    await expectProblem(await api('/v1/properties/01900000-0000-7000-8000-000000000000'), 404);
    await expectProblem(await api('/v1/properties/no-such-listing-anywhere'), 404);
    await expectProblem(await api(`/v1/properties/${encodeURIComponent("Robert'); drop table properties;--")}`), 404);
  });

  it('GET /v1/properties/:idOrSlug still shows sold listings (only drafts are hidden)', async () => {
    const sold = await insertListing({ status: 'sold' });
    expect((await api(`/v1/properties/${sold.id}`)).status).toBe(200);
  });

  const prices: Array<[string, 'sale' | 'rent', number, string]> = [
    ['USD', 'sale', 125_000_000, '$1,250,000'],
    ['USD', 'rent', 250_000, '$2,500/month'],
    ['USD', 'sale', 125_000_050, '$1,250,000.50'],
    ['CAD', 'sale', 89_900_000, 'CA$899,000'],
    ['CAD', 'rent', 310_000, 'CA$3,100/month'],
    ['GBP', 'sale', 65_000_000, '£650,000'],
    ['GBP', 'rent', 185_099, '£1,850.99/month'],
    ['EUR', 'sale', 49_500_000, '€495,000'],
    ['EUR', 'rent', 120_000, '€1,200/month'],
  ];
  for (const [currency, listingType, price, expected] of prices) {
    it(`GET /v1/properties/:idOrSlug formats ${currency} ${listingType} ${price} as ${expected}`, async () => {
      const listing = await insertListing({ currency, listingType, price });
      const body = await json<Property>(await api(`/v1/properties/${listing.id}`));
      expect(body.priceFormatted).toBe(expected);
    });
  }

  it('GET /v1/properties/:idOrSlug records a property_view in the background', async () => {
    const listing = await insertListing();
    const res = await api(`/v1/properties/${listing.id}`, { ip: '203.0.113.77' });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    let views: Array<{ ipAddress: string | null }> = [];
    for (let i = 0; i < 50 && views.length === 0; i++) {
      views = await testDb()
        .select({ ipAddress: analyticsEvents.ipAddress })
        .from(analyticsEvents)
        .where(and(eq(analyticsEvents.propertyId, listing.id), eq(analyticsEvents.type, 'property_view')));
      if (views.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(views).toHaveLength(1);
    expect(views[0]?.ipAddress).toBe('203.0.113.0/24');
  });
});

describe('GET /v1/properties/:idOrSlug caching', () => {
  // An app of the test's own, called with the variables each test needs.
  const app = createApp();

  it('GET /v1/properties/:idOrSlug sends Cache-Control and an ETag, and 304s on If-None-Match', async () => {
    const listing = await insertListing();
    const res = await api(`/v1/properties/${listing.slug}`);
    expect(res.headers.get('Cache-Control')).toMatch(/^public, max-age=\d+, stale-while-revalidate=\d+$/);
    const etag = res.headers.get('ETag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    await res.arrayBuffer();
    const notModified = await api(`/v1/properties/${listing.slug}`, { headers: { 'If-None-Match': `"x", ${etag}` } });
    expect(notModified.status).toBe(304);
    const other = await api(`/v1/properties/${listing.slug}`, { headers: { 'If-None-Match': '"other"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  // Memory off: every hit below comes from the edge cache (a Cache API lookup).
  const edgeOnly = { DETAIL_MEMORY_CACHE_SECONDS: '0', VIEW_FLUSH_MS: '0' };
  // Memory on for longer than any test takes, so no entry expires mid-test.
  const withMemory = { DETAIL_MEMORY_CACHE_SECONDS: '60', VIEW_FLUSH_MS: '0' };

  it('GET /v1/properties/:idOrSlug is served from the edge cache and an admin edit purges it (by id and slug)', async () => {
    const listing = await insertListing({ title: 'Before the edit' });
    for (const key of [listing.id, listing.slug]) {
      const first = await callApp(app, `/v1/properties/${key}`, { vars: edgeOnly });
      expect(first.response.headers.get('X-Cache')).toBe('MISS');
      // The cache write happens in the background: once it is done, the next read is a hit.
      await first.background;
      const second = await callApp(app, `/v1/properties/${key}`, { vars: edgeOnly });
      expect(second.response.headers.get('X-Cache')).toBe('HIT');
    }
    // A direct database change is invisible behind the cache…
    await testDb()
      .update(properties)
      .set({ description: 'changed behind the cache' })
      .where(eq(properties.id, listing.id));
    const cached = await callApp(app, `/v1/properties/${listing.id}`, { vars: edgeOnly });
    expect((await json<Property>(cached.response)).description).toBe('A full description.');
    // …but an admin write purges both entries.
    const patched = await callApp(app, `/v1/admin/properties/${listing.id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { title: 'After the edit' },
      vars: edgeOnly,
    });
    expect(patched.response.status).toBe(200);
    for (const key of [listing.id, listing.slug]) {
      const { response } = await callApp(app, `/v1/properties/${key}`, { vars: edgeOnly });
      expect(response.headers.get('X-Cache')).toBe('MISS');
      expect((await json<Property>(response)).title).toBe('After the edit');
    }
  });

  it('GET /v1/properties/:idOrSlug from memory answers exactly what the edge cache answers, 304 included', async () => {
    const listing = await insertListing();
    const path = `/v1/properties/${listing.slug}`;
    const miss = await callApp(app, path, { vars: withMemory });
    expect(miss.response.headers.get('X-Cache')).toBe('MISS');
    await miss.background;
    const edge = await callApp(app, path, { vars: edgeOnly });
    const memory = await callApp(app, path, { vars: withMemory });
    expect(edge.response.headers.get('X-Cache')).toBe('HIT');
    expect(memory.response.headers.get('X-Cache')).toBe('HIT-MEMORY');
    const body = await miss.response.text();
    expect(await edge.response.text()).toBe(body);
    expect(await memory.response.text()).toBe(body);
    for (const name of ['ETag', 'Cache-Control', 'Content-Type', 'X-Property-Id']) {
      expect(memory.response.headers.get(name), name).toBe(miss.response.headers.get(name));
      expect(memory.response.headers.get(name), name).toBe(edge.response.headers.get(name));
    }
    const etag = miss.response.headers.get('ETag') as string;
    const notModified = await callApp(app, path, { vars: withMemory, headers: { 'If-None-Match': `W/${etag}` } });
    expect(notModified.response.status).toBe(304);
    expect(notModified.response.headers.get('X-Cache')).toBe('HIT-MEMORY');
    expect(notModified.response.headers.get('ETag')).toBe(etag);
    expect(notModified.response.headers.get('Cache-Control')).toBe(miss.response.headers.get('Cache-Control'));
    const stale = await callApp(app, path, { vars: withMemory, headers: { 'If-None-Match': '"other"' } });
    expect(stale.response.status).toBe(200);
    expect(await stale.response.text()).toBe(body);
  });

  it('GET /v1/properties/:idOrSlug shows an admin edit on the very next read, though memory held the listing', async () => {
    const listing = await insertListing({ title: 'Remembered title' });
    for (const key of [listing.id, listing.slug]) {
      await (await callApp(app, `/v1/properties/${key}`, { vars: withMemory })).background;
      const again = await callApp(app, `/v1/properties/${key}`, { vars: withMemory });
      expect(again.response.headers.get('X-Cache')).toBe('HIT-MEMORY');
    }
    // Memory hides a direct database change, as the edge cache does…
    await testDb().update(properties).set({ title: 'Changed behind memory' }).where(eq(properties.id, listing.id));
    const hidden = await callApp(app, `/v1/properties/${listing.id}`, { vars: withMemory });
    expect((await json<Property>(hidden.response)).title).toBe('Remembered title');
    // …and an admin write drops it from memory and from the edge cache.
    const patched = await callApp(app, `/v1/admin/properties/${listing.id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { title: 'Edited by an admin' },
      vars: withMemory,
    });
    expect(patched.response.status).toBe(200);
    for (const key of [listing.id, listing.slug]) {
      const { response } = await callApp(app, `/v1/properties/${key}`, { vars: withMemory });
      expect(response.headers.get('X-Cache')).toBe('MISS');
      expect((await json<Property>(response)).title).toBe('Edited by an admin');
    }
  });

  it('GET /v1/properties/:idOrSlug is a 404 once an admin deletes the listing, even after a cached read', async () => {
    const listing = await insertListing();
    const res = await api(`/v1/properties/${listing.id}`);
    await res.arrayBuffer();
    const del = await api(`/v1/admin/properties/${listing.id}`, { method: 'DELETE', token: admin.token });
    expect(del.status).toBe(204);
    await expectProblem(await api(`/v1/properties/${listing.id}`), 404);
  });
});

describe('GET /openapi.json', () => {
  it('GET /openapi.json describes every listing and photo route', async () => {
    const res = await api('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(res);
    const expected: Array<[string, string]> = [
      ['/v1/properties', 'get'],
      ['/v1/properties/facets', 'get'],
      ['/v1/properties/{idOrSlug}', 'get'],
      ['/v1/images/{id}', 'get'],
      ['/v1/admin/properties', 'get'],
      ['/v1/admin/properties', 'post'],
      ['/v1/admin/properties/{id}', 'get'],
      ['/v1/admin/properties/{id}', 'patch'],
      ['/v1/admin/properties/{id}', 'delete'],
      ['/v1/admin/properties/{id}/status', 'post'],
      ['/v1/admin/properties/{id}/history', 'get'],
      ['/v1/admin/properties/{id}/images', 'post'],
      ['/v1/admin/properties/{id}/images/order', 'put'],
      ['/v1/admin/images/{id}', 'patch'],
      ['/v1/admin/images/{id}', 'delete'],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });
});
