import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { properties, propertyImages } from '../../src/db/schema';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';

type Insert = typeof properties.$inferInsert;
interface Summary {
  id: string;
  title: string;
  status: string;
  price: number;
  priceFormatted: string;
  city: never;
  address: { city: string };
  coverImage: { id: string; url: string; width: number; height: number } | null;
  distanceKm?: number;
  description?: string;
  images?: unknown;
}
interface Page {
  data: Summary[];
  nextCursor: string | null;
}

let counter = 0;
const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** A unique city per test keeps every test's rows apart in the shared database. */
const uniqueCity = () => `Testcity ${tag()}`;

async function insertListing(over: Partial<Insert> = {}): Promise<Insert & { id: string }> {
  counter += 1;
  const row = {
    id: uuidv7(),
    slug: `search-${tag()}-${counter}`,
    title: `Listing number ${counter}`,
    propertyType: 'house' as const,
    listingType: 'sale' as const,
    status: 'active' as const,
    price: 50_000_000,
    currency: 'USD',
    bedrooms: 2,
    bathrooms: 1,
    areaSqm: 100,
    addressLine1: '1 Test Street',
    city: 'Nowhere',
    country: 'US',
    ...over,
  };
  await testDb().insert(properties).values(row);
  return row;
}

async function search(query: string): Promise<Page> {
  const res = await api(`/v1/properties?${query}`);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET /v1/properties?${query} → ${res.status}: ${body}`);
  return JSON.parse(body) as Page;
}

const ids = (page: Page) => page.data.map((p) => p.id);
const q = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

describe('GET /v1/properties filters', () => {
  it('GET /v1/properties shows active and pending listings only', async () => {
    const city = uniqueCity();
    const rows = await Promise.all(
      (['draft', 'active', 'pending', 'off_market', 'sold', 'rented'] as const).map((status) =>
        insertListing({ city, status }),
      ),
    );
    const page = await search(q({ city }));
    expect(page.data.map((p) => p.status).sort()).toEqual(['active', 'pending']);
    expect(new Set(ids(page))).toEqual(new Set([rows[1]?.id, rows[2]?.id]));
  });

  it('GET /v1/properties?city matches the city case-insensitively', async () => {
    const city = uniqueCity();
    const a = await insertListing({ city });
    await insertListing({ city: `${city} Heights` });
    expect(ids(await search(q({ city: city.toUpperCase() })))).toEqual([a.id]);
  });

  it('GET /v1/properties?propertyType and ?listingType filter alone and together', async () => {
    const city = uniqueCity();
    const condoSale = await insertListing({ city, propertyType: 'condo', listingType: 'sale' });
    const condoRent = await insertListing({ city, propertyType: 'condo', listingType: 'rent' });
    const houseRent = await insertListing({ city, propertyType: 'house', listingType: 'rent' });
    expect(new Set(ids(await search(q({ city, propertyType: 'condo' }))))).toEqual(
      new Set([condoSale.id, condoRent.id]),
    );
    expect(new Set(ids(await search(q({ city, listingType: 'rent' }))))).toEqual(new Set([condoRent.id, houseRent.id]));
    expect(ids(await search(q({ city, propertyType: 'condo', listingType: 'rent' })))).toEqual([condoRent.id]);
  });

  it('GET /v1/properties?minPrice&maxPrice are inclusive bounds in minor units', async () => {
    const city = uniqueCity();
    const [low, mid, high] = await Promise.all([
      insertListing({ city, price: 100_000 }),
      insertListing({ city, price: 200_000 }),
      insertListing({ city, price: 300_000 }),
    ]);
    expect(new Set(ids(await search(q({ city, minPrice: 200_000 }))))).toEqual(new Set([mid?.id, high?.id]));
    expect(new Set(ids(await search(q({ city, maxPrice: 200_000 }))))).toEqual(new Set([low?.id, mid?.id]));
    expect(ids(await search(q({ city, minPrice: 150_000, maxPrice: 250_000 })))).toEqual([mid?.id]);
  });

  it('GET /v1/properties?minBedrooms, minBathrooms, minArea and maxArea filter', async () => {
    const city = uniqueCity();
    const small = await insertListing({ city, bedrooms: 1, bathrooms: 1, areaSqm: 50 });
    const big = await insertListing({ city, bedrooms: 4, bathrooms: 2.5, areaSqm: 220 });
    const noArea = await insertListing({ city, bedrooms: 3, bathrooms: 1.5, areaSqm: null });
    expect(new Set(ids(await search(q({ city, minBedrooms: 3 }))))).toEqual(new Set([big.id, noArea.id]));
    expect(ids(await search(q({ city, minBathrooms: 2.5 })))).toEqual([big.id]);
    expect(new Set(ids(await search(q({ city, minBathrooms: 1.5 }))))).toEqual(new Set([big.id, noArea.id]));
    expect(ids(await search(q({ city, minArea: 100 })))).toEqual([big.id]);
    expect(ids(await search(q({ city, maxArea: 100 })))).toEqual([small.id]);
    expect(ids(await search(q({ city, minArea: 40, maxArea: 60, minBedrooms: 1 })))).toEqual([small.id]);
  });

  it('GET /v1/properties?q searches title, address and description; sort=relevance ranks title first', async () => {
    const word = `zq${tag()}`;
    const inTitle = await insertListing({ title: `Lovely ${word} cottage` });
    const inDescription = await insertListing({ title: 'Plain house', description: `Near the ${word} park.` });
    const inAddress = await insertListing({ title: 'Other house', addressLine1: `12 ${word} Road` });
    await insertListing({ title: `Draft ${word}`, status: 'draft' });
    const page = await search(q({ q: word, sort: 'relevance' }));
    expect(new Set(ids(page))).toEqual(new Set([inTitle.id, inDescription.id, inAddress.id]));
    expect(ids(page)[0]).toBe(inTitle.id);
    expect(ids(page).at(-1)).toBe(inDescription.id);
    // websearch syntax: a quoted phrase and an exclusion.
    expect(ids(await search(q({ q: `"lovely ${word}"` })))).toEqual([inTitle.id]);
    expect(new Set(ids(await search(q({ q: `${word} -cottage` }))))).toEqual(new Set([inDescription.id, inAddress.id]));
  });

  it('GET /v1/properties?bbox keeps listings inside the box', async () => {
    const city = uniqueCity();
    const inside = await insertListing({ city, latitude: 10.5, longitude: 20.5 });
    await insertListing({ city, latitude: 11.5, longitude: 20.5 });
    await insertListing({ city, latitude: 10.5, longitude: 21.5 });
    await insertListing({ city, latitude: null, longitude: null });
    expect(ids(await search(q({ city, bbox: '20,10,21,11' })))).toEqual([inside.id]);
  });

  it('GET /v1/properties?near&radiusKm uses the exact great-circle distance and sort=distance returns distanceKm', async () => {
    const city = uniqueCity();
    // Around (45, 7): one degree of latitude is ~111.2 km.
    const at1km = await insertListing({ city, latitude: 45.009, longitude: 7 });
    const at5km = await insertListing({ city, latitude: 45.045, longitude: 7 });
    // Inside the 10 km bounding box (both offsets ~7 km) but ~9.9 km... and this one ~10.6 km away.
    await insertListing({ city, latitude: 45.0675, longitude: 7.0955 });
    await insertListing({ city, latitude: 46, longitude: 7 });
    const page = await search(q({ city, near: '45,7', radiusKm: 10, sort: 'distance' }));
    expect(ids(page)).toEqual([at1km.id, at5km.id]);
    expect(page.data[0]?.distanceKm).toBeCloseTo(1.0, 1);
    expect(page.data[1]?.distanceKm).toBeCloseTo(5.0, 1);
    const wide = await search(q({ city, near: '45,7', radiusKm: 12, sort: 'distance' }));
    expect(wide.data).toHaveLength(3);
    expect(wide.data[2]?.distanceKm).toBeGreaterThan(10);
  });

  it('GET /v1/properties sorts by newest, price_asc and price_desc with the id as tie-breaker', async () => {
    const city = uniqueCity();
    const base = Date.now() - 3600_000;
    const a = await insertListing({ city, price: 300, createdAt: new Date(base) });
    const b = await insertListing({ city, price: 100, createdAt: new Date(base + 1000) });
    const c = await insertListing({ city, price: 200, createdAt: new Date(base + 2000) });
    const d = await insertListing({ city, price: 200, createdAt: new Date(base + 3000) });
    expect(ids(await search(q({ city })))).toEqual([d.id, c.id, b.id, a.id]);
    expect(ids(await search(q({ city, sort: 'price_asc' })))).toEqual([b.id, c.id, d.id, a.id]);
    expect(ids(await search(q({ city, sort: 'price_desc' })))).toEqual([a.id, d.id, c.id, b.id]);
  });

  it('GET /v1/properties combines filters, q and sort', async () => {
    const city = uniqueCity();
    const word = `combo${tag()}`;
    const match = await insertListing({
      city,
      title: `Bright ${word} flat`,
      propertyType: 'apartment',
      listingType: 'rent',
      price: 250_000,
      bedrooms: 2,
      latitude: 40,
      longitude: -3,
    });
    await insertListing({ city, title: `Bright ${word} flat`, propertyType: 'apartment', listingType: 'sale' });
    await insertListing({
      city,
      title: `Bright ${word} flat`,
      propertyType: 'apartment',
      listingType: 'rent',
      price: 900_000,
    });
    await insertListing({
      city,
      title: 'Bright other flat',
      propertyType: 'apartment',
      listingType: 'rent',
      price: 250_000,
    });
    const page = await search(
      q({
        q: word,
        city,
        propertyType: 'apartment',
        listingType: 'rent',
        maxPrice: 300_000,
        minBedrooms: 2,
        near: '40,-3',
        radiusKm: 5,
        sort: 'price_asc',
      }),
    );
    expect(ids(page)).toEqual([match.id]);
    expect(page.data[0]?.distanceKm).toBe(0);
  });

  it('GET /v1/properties returns thin summaries with the cover image only and priceFormatted', async () => {
    const city = uniqueCity();
    const listing = await insertListing({ city, price: 125_000_000, currency: 'USD' });
    const db = testDb();
    const coverId = uuidv7();
    await db.insert(propertyImages).values([
      {
        id: uuidv7(),
        propertyId: listing.id,
        r2Key: `properties/${listing.id}/a-${tag()}`,
        contentType: 'image/png',
        byteSize: 10,
        width: 10,
        height: 10,
        sha256: 'a'.repeat(64),
        sortOrder: 0,
        isCover: false,
      },
      {
        id: coverId,
        propertyId: listing.id,
        r2Key: `properties/${listing.id}/b-${tag()}`,
        contentType: 'image/png',
        byteSize: 10,
        width: 640,
        height: 480,
        sha256: 'b'.repeat(64),
        sortOrder: 1,
        isCover: true,
      },
    ]);
    const [summary] = (await search(q({ city }))).data;
    expect(summary?.coverImage).toMatchObject({ id: coverId, width: 640, height: 480 });
    expect(summary?.coverImage?.url).toMatch(new RegExp(`/v1/images/${coverId}$`));
    expect(summary).not.toHaveProperty('description');
    expect(summary).not.toHaveProperty('images');
    expect(summary?.priceFormatted).toBe('$1,250,000');
    expect(summary?.address.city).toBe(city);
  });
});

describe('GET /v1/properties pagination', () => {
  async function walk(query: Record<string, string | number>, during: (page: number) => Promise<void>) {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const result: Page = await search(q({ ...query, ...(cursor ? { cursor } : {}) }));
      seen.push(...ids(result));
      cursor = result.nextCursor;
      if (!cursor) break;
      await during(page);
    }
    return seen;
  }

  it('GET /v1/properties walks every row exactly once (newest) while rows are inserted between pages', async () => {
    const city = uniqueCity();
    const base = Date.now() - 3600_000;
    const original: string[] = [];
    // Two rows share a timestamp, to exercise the id tie-breaker across a page boundary.
    for (let i = 0; i < 7; i++) {
      original.push((await insertListing({ city, createdAt: new Date(base + Math.min(i, 5) * 1000) })).id);
    }
    const seen = await walk({ city, limit: 2 }, async () => {
      await insertListing({ city });
    });
    // Newer rows sort before the cursor, so the walk sees exactly the original rows, in order
    // (ids are time-ordered v7, so the tie on created_at is broken the same way).
    expect(seen).toEqual([...original].reverse());
  });

  it('GET /v1/properties walks every row exactly once (price_asc) while cheaper and pricier rows arrive', async () => {
    const city = uniqueCity();
    const original: string[] = [];
    for (const price of [500, 100, 300, 300, 300, 900, 700]) original.push((await insertListing({ city, price })).id);
    const seen = await walk({ city, limit: 2, sort: 'price_asc' }, async (page) => {
      await insertListing({ city, price: page % 2 === 0 ? 50 : 1000 });
    });
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of original) expect(seen.filter((s) => s === id)).toHaveLength(1);
  });

  it('GET /v1/properties pages through distance and relevance sorts', async () => {
    const city = uniqueCity();
    const word = `page${tag()}`;
    const rows = [];
    for (let i = 0; i < 5; i++) {
      rows.push(
        await insertListing({ city, title: `${word} ${'x '.repeat(i)}home`, latitude: 50 + i * 0.01, longitude: 8 }),
      );
    }
    const byDistance = await walk({ city, near: '50,8', radiusKm: 50, sort: 'distance', limit: 2 }, async () => {});
    expect(byDistance).toEqual(rows.map((r) => r.id));
    const byRelevance = await walk({ q: word, sort: 'relevance', limit: 2 }, async () => {});
    expect(new Set(byRelevance)).toEqual(new Set(rows.map((r) => r.id)));
    expect(byRelevance).toHaveLength(5);
  });

  it('GET /v1/properties stops with nextCursor null on the last page', async () => {
    const city = uniqueCity();
    await insertListing({ city });
    await insertListing({ city });
    const page = await search(q({ city, limit: 2 }));
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).toBeNull();
  });
});

describe('GET /v1/properties validation', () => {
  const bad: Array<[string, string]> = [
    ['negative minPrice', 'minPrice=-1'],
    ['non-numeric minPrice', 'minPrice=abc'],
    ['fractional maxPrice', 'maxPrice=10.5'],
    ['minPrice above maxPrice', 'minPrice=500&maxPrice=100'],
    ['minArea above maxArea', 'minArea=500&maxArea=100'],
    ['bbox with three numbers', 'bbox=1,2,3'],
    ['bbox with text', 'bbox=a,b,c,d'],
    ['bbox out of range', 'bbox=-200,10,20,11'],
    ['bbox min above max', 'bbox=21,10,20,11'],
    ['radiusKm without near', 'radiusKm=5'],
    ['radiusKm zero', 'near=45,7&radiusKm=0'],
    ['radiusKm too large', 'near=45,7&radiusKm=5000'],
    ['near latitude out of range', 'near=95,7'],
    ['near malformed', 'near=45'],
    ['limit 0', 'limit=0'],
    ['limit 101', 'limit=101'],
    ['unknown propertyType', 'propertyType=castle'],
    ['unknown listingType', 'listingType=lease'],
    ['unknown sort', 'sort=cheapest'],
    ['relevance without q', 'sort=relevance'],
    ['distance without near', 'sort=distance'],
    ['unknown parameter', 'colour=blue'],
    ['repeated parameter', 'city=a&city=b'],
    ['negative minBedrooms', 'minBedrooms=-2'],
    ['empty q', 'q='],
  ];
  for (const [name, query] of bad) {
    it(`GET /v1/properties?${query} is a 422 (${name})`, async () => {
      const problem = await expectProblem(await api(`/v1/properties?${query}`), 422, 'VALIDATION_FAILED');
      expect(problem.errors?.length).toBeGreaterThan(0);
    });
  }

  it('GET /v1/properties with a forged, altered or foreign cursor is a 422, never a 500', async () => {
    const city = uniqueCity();
    for (let i = 0; i < 3; i++) await insertListing({ city });
    const first = await search(q({ city, limit: 1 }));
    const cursor = first.nextCursor as string;
    expect(cursor).toBeTruthy();
    const [body, mac] = cursor.split('.') as [string, string];
    const forgedBody = btoa(JSON.stringify(['2000-01-01 00:00:00+00', '00000000-0000-7000-8000-000000000000']))
      .replaceAll('=', '')
      .replaceAll('+', '-')
      .replaceAll('/', '_');
    const attempts = [
      'garbage',
      `${forgedBody}.${mac}`,
      `${body}.${mac.slice(0, -2)}AA`,
      `${body}`,
      `${body}.${mac}.extra`,
      'a'.repeat(3000),
    ];
    for (const attempt of attempts) {
      await expectProblem(await api(`/v1/properties?${q({ city, limit: 1, cursor: attempt })}`), 422);
    }
    // A genuine cursor, but for another filter set or another sort: foreign.
    await expectProblem(
      await api(`/v1/properties?${q({ city: `${city}x`, limit: 1, cursor })}`),
      422,
      'INVALID_CURSOR',
    );
    await expectProblem(
      await api(`/v1/properties?${q({ city, limit: 1, sort: 'price_asc', cursor })}`),
      422,
      'INVALID_CURSOR',
    );
    // The genuine one still works, with another page size too.
    const second = await search(q({ city, limit: 2, cursor }));
    expect(second.data).toHaveLength(2);
  });
});

describe('GET /v1/properties caching', () => {
  it('GET /v1/properties sends Cache-Control, an ETag and answers If-None-Match with 304', async () => {
    const city = uniqueCity();
    await insertListing({ city });
    const res = await api(`/v1/properties?${q({ city })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toMatch(/max-age=\d+.*stale-while-revalidate=\d+/);
    const etag = res.headers.get('ETag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    await res.arrayBuffer();
    const again = await api(`/v1/properties?${q({ city })}`, { headers: { 'If-None-Match': etag as string } });
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(etag);
    expect(await again.text()).toBe('');
  });

  it('GET /v1/properties is served from the edge cache on a repeat request', async () => {
    const city = uniqueCity();
    await insertListing({ city });
    const url = `/v1/properties?${q({ city, limit: 5 })}`;
    const first = await api(url);
    expect(first.headers.get('X-Cache')).toBe('MISS');
    const body = await first.text();
    let state = '';
    for (let i = 0; i < 20 && state !== 'HIT'; i++) {
      const res = await api(url);
      state = res.headers.get('X-Cache') ?? '';
      if (state === 'HIT') expect(await res.text()).toBe(body);
      else await res.arrayBuffer();
    }
    expect(state).toBe('HIT');
  });
});

describe('GET /v1/properties/facets', () => {
  it('GET /v1/properties/facets counts types, cities, listing types and price bands for the filter set', async () => {
    const word = `facet${tag()}`;
    const cityA = uniqueCity();
    const cityB = uniqueCity();
    await insertListing({
      title: `${word} one`,
      city: cityA,
      propertyType: 'house',
      listingType: 'sale',
      price: 50_000,
    });
    await insertListing({
      title: `${word} two`,
      city: cityA,
      propertyType: 'condo',
      listingType: 'rent',
      price: 200_000,
    });
    await insertListing({
      title: `${word} three`,
      city: cityB,
      propertyType: 'condo',
      listingType: 'sale',
      price: 150_000_000,
    });
    await insertListing({ title: `${word} four`, city: cityB, propertyType: 'condo', status: 'draft' });
    const res = await api(`/v1/properties/facets?${q({ q: word })}`);
    expect(res.status).toBe(200);
    const facets = await json<{
      total: number;
      propertyType: Array<{ value: string; count: number }>;
      listingType: Array<{ value: string; count: number }>;
      city: Array<{ value: string; count: number }>;
      priceBands: Array<{ min: number; max: number | null; count: number }>;
    }>(res);
    expect(facets.total).toBe(3);
    expect(facets.propertyType).toEqual([
      { value: 'condo', count: 2 },
      { value: 'house', count: 1 },
    ]);
    expect(facets.listingType).toEqual([
      { value: 'sale', count: 2 },
      { value: 'rent', count: 1 },
    ]);
    expect(facets.city).toEqual(
      [
        { value: cityA, count: 2 },
        { value: cityB, count: 1 },
      ].sort((a, b) => b.count - a.count),
    );
    expect(facets.priceBands.reduce((sum, b) => sum + b.count, 0)).toBe(3);
    expect(facets.priceBands.find((b) => b.min === 0)?.count).toBe(1);
    expect(facets.priceBands.find((b) => b.max === null)?.count).toBe(1);
    const narrowed = await json<{ total: number }>(await api(`/v1/properties/facets?${q({ q: word, city: cityA })}`));
    expect(narrowed.total).toBe(2);
  });

  it('GET /v1/properties/facets rejects bad filters with a 422', async () => {
    await expectProblem(await api('/v1/properties/facets?minPrice=9&maxPrice=1'), 422);
    await expectProblem(await api('/v1/properties/facets?sort=newest'), 422);
  });
});
