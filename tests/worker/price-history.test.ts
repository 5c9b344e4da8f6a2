import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { properties, propertyPriceHistory } from '../../src/db/schema';
import { PRICE_HISTORY_MAX } from '../../src/services/listings/price-history';
import { api, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, type TestUser } from '../helpers/users';

const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

interface HistoryEntry {
  price: number;
  changedAt: string;
}
interface Detail {
  id: string;
  slug: string;
  price: number;
  previousPrice: number | null;
  priceHistory: HistoryEntry[];
}
interface Summary {
  id: string;
  price: number;
  previousPrice: number | null;
}

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

/** A listing created and published through the API, in a city of its own (its searches are its own). */
async function publishedListing(price: number) {
  const city = `Pricetown${tag()}`;
  const created = await api('/v1/admin/properties', {
    token: admin.token,
    json: {
      title: 'Price history home',
      propertyType: 'house',
      listingType: 'sale',
      price,
      address: { line1: '5 Ledger Lane', city, country: 'US' },
    },
  });
  expect(created.status).toBe(201);
  const { id } = await json<{ id: string }>(created);
  const published = await api(`/v1/admin/properties/${id}/status`, { token: admin.token, json: { status: 'active' } });
  expect(published.status).toBe(200);
  return { id, city };
}

const patch = (id: string, body: Record<string, unknown>) =>
  api(`/v1/admin/properties/${id}`, { method: 'PATCH', token: admin.token, json: body });

const detail = async (id: string) => {
  const res = await api(`/v1/properties/${id}`);
  expect(res.status).toBe(200);
  return json<Detail>(res);
};

const storedHistory = (id: string) =>
  testDb()
    .select({ price: propertyPriceHistory.price })
    .from(propertyPriceHistory)
    .where(eq(propertyPriceHistory.propertyId, id));

describe('listing price history', () => {
  it('PATCH /v1/admin/properties/:id price A → B → C: detail history [A, B, C] in time order, summaries previousPrice B', async () => {
    const { id, city } = await publishedListing(30_000_000);
    expect((await patch(id, { price: 32_000_000 })).status).toBe(200);
    expect((await patch(id, { price: 29_500_000 })).status).toBe(200);

    const body = await detail(id);
    expect(body.priceHistory.map((h) => h.price)).toEqual([30_000_000, 32_000_000, 29_500_000]);
    const times = body.priceHistory.map((h) => Date.parse(h.changedAt));
    expect(times.every((t, i) => i === 0 || t > (times[i - 1] as number))).toBe(true);
    expect(body.price).toBe(29_500_000);
    expect(body.previousPrice).toBe(32_000_000);

    const admins = await api(`/v1/admin/properties/${id}`, { token: admin.token });
    expect((await json<Detail>(admins)).priceHistory.map((h) => h.price)).toEqual([30_000_000, 32_000_000, 29_500_000]);

    const search = await api(`/v1/properties?city=${city}`);
    const found = (await json<{ data: Summary[] }>(search)).data;
    expect(found.map((s) => [s.id, s.price, s.previousPrice])).toEqual([[id, 29_500_000, 32_000_000]]);

    const adminList = await api(`/v1/admin/properties?city=${city}`, { token: admin.token });
    const listed = (await json<{ data: Summary[] }>(adminList)).data;
    expect(listed.map((s) => s.previousPrice)).toEqual([32_000_000]);
  });

  it('PATCH /v1/admin/properties/:id that leaves the price alone adds no history entry', async () => {
    const { id } = await publishedListing(40_000_000);
    expect((await patch(id, { price: 41_000_000 })).status).toBe(200);
    expect((await patch(id, { title: 'Only the title changed' })).status).toBe(200);
    expect((await patch(id, { price: 41_000_000, bedrooms: 3 })).status).toBe(200);

    const body = await detail(id);
    expect(body.priceHistory.map((h) => h.price)).toEqual([40_000_000, 41_000_000]);
    expect(body.previousPrice).toBe(40_000_000);
    expect(await storedHistory(id)).toHaveLength(2);
  });

  it('a listing never repriced has one entry (its list price at created_at) and previousPrice null', async () => {
    const { id, city } = await publishedListing(55_000_000);
    const body = await detail(id);
    expect(body.previousPrice).toBeNull();
    expect(body.priceHistory).toHaveLength(1);
    const [row] = await testDb()
      .select({ createdAt: properties.createdAt })
      .from(properties)
      .where(eq(properties.id, id));
    expect(body.priceHistory[0]).toEqual({ price: 55_000_000, changedAt: row?.createdAt.toISOString() });
    const search = await json<{ data: Summary[] }>(await api(`/v1/properties?city=${city}`));
    expect(search.data.map((s) => s.previousPrice)).toEqual([null]);
  });

  it('rows written straight to the table (a seed, an import) get their first entry and their changes too', async () => {
    const listing = await createTestProperty({ price: 12_300_000, city: `Seedville${tag()}` });
    expect(await storedHistory(listing.id)).toEqual([{ price: 12_300_000 }]);

    // An UPDATE outside the API is recorded just the same, in its own statement. (Read the
    // detail only after it: a write that bypasses the API does not purge the cached page.)
    await testDb().update(properties).set({ price: 11_000_000 }).where(eq(properties.id, listing.id));
    const body = await detail(listing.id);
    expect(body.priceHistory.map((h) => h.price)).toEqual([12_300_000, 11_000_000]);
    expect(body.previousPrice).toBe(12_300_000);
  });

  it('many updates in one statement each record their own change; an update to the same value records none', async () => {
    const a = await createTestProperty({ price: 1_000_000 });
    const b = await createTestProperty({ price: 2_000_000 });
    await testDb()
      .update(properties)
      .set({ price: sql`${properties.price} + 500` })
      .where(sql`${properties.id} in (${a.id}, ${b.id})`);
    await testDb().update(properties).set({ price: 1_000_500 }).where(eq(properties.id, a.id));
    expect((await storedHistory(a.id)).map((r) => r.price).sort()).toEqual([1_000_000, 1_000_500]);
    expect((await storedHistory(b.id)).map((r) => r.price).sort()).toEqual([2_000_000, 2_000_500]);
  });

  it(`GET /v1/properties/:id shows at most ${PRICE_HISTORY_MAX} entries: the original price and the latest changes`, async () => {
    const listing = await createTestProperty({ price: 100_000 });
    const db = testDb();
    // One transaction: every change has the same changed_at, so the order is the insertion order.
    const changes = Array.from({ length: 60 }, (_, i) => 100_001 + i);
    const [first, ...rest] = changes.map((price) =>
      db.update(properties).set({ price }).where(eq(properties.id, listing.id)),
    );
    if (!first) throw new Error('no changes');
    await db.batch([first, ...rest]);
    const body = await detail(listing.id);
    expect(body.priceHistory).toHaveLength(PRICE_HISTORY_MAX);
    expect(body.priceHistory.map((h) => h.price)).toEqual([100_000, ...changes.slice(-(PRICE_HISTORY_MAX - 1))]);
    expect(body.previousPrice).toBe(changes.at(-2));
    expect(await storedHistory(listing.id)).toHaveLength(61);
  });

  it('DELETE /v1/admin/properties/:id removes the listing’s price history with it', async () => {
    const { id } = await publishedListing(7_000_000);
    expect((await patch(id, { price: 6_000_000 })).status).toBe(200);
    expect(await storedHistory(id)).toHaveLength(2);
    expect((await api(`/v1/admin/properties/${id}`, { method: 'DELETE', token: admin.token })).status).toBe(204);
    expect(await storedHistory(id)).toHaveLength(0);
  });
});

describe('price changes and the public caches', () => {
  const app = createApp();
  for (const [name, vars] of [
    ['edge cache', { DETAIL_MEMORY_CACHE_SECONDS: '0', VIEW_FLUSH_MS: '0' }],
    ['memory cache', { DETAIL_MEMORY_CACHE_SECONDS: '60', VIEW_FLUSH_MS: '0' }],
  ] as const) {
    it(`GET /v1/properties/:idOrSlug shows a new price and its history at once, though cached (${name})`, async () => {
      const { id } = await publishedListing(80_000_000);
      const { slug } = await detail(id);
      for (const key of [id, slug]) await (await callApp(app, `/v1/properties/${key}`, { vars })).background;
      const hit = await callApp(app, `/v1/properties/${id}`, { vars });
      expect(hit.response.headers.get('X-Cache')).toMatch(/^HIT/);

      const changed = await callApp(app, `/v1/admin/properties/${id}`, {
        method: 'PATCH',
        token: admin.token,
        json: { price: 75_000_000 },
        vars,
      });
      expect(changed.response.status).toBe(200);

      for (const key of [id, slug]) {
        const { response } = await callApp(app, `/v1/properties/${key}`, { vars });
        const body = await json<Detail>(response);
        expect(body.price, key).toBe(75_000_000);
        expect(body.previousPrice, key).toBe(80_000_000);
        expect(
          body.priceHistory.map((h) => h.price),
          key,
        ).toEqual([80_000_000, 75_000_000]);
      }
    });
  }
});
