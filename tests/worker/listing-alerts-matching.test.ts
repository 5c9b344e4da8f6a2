import { and, eq, inArray, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LISTING_TYPES, PROPERTY_TYPES } from '../../src/db/enums';
import { properties, savedSearches } from '../../src/db/schema';
import { matchListingEvents } from '../../src/services/alerts/match';
import { filterConditions, type SearchFilters } from '../../src/services/listings/filters';
import { api, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import {
  createTestSavedSearch,
  createVerifiedUser,
  eventsOf,
  matchesOf,
  queryOf,
  savedSearchRow,
} from '../helpers/saved-searches';

const db = () => testDb();
const tag = () => Math.random().toString(36).slice(2, 8);

/** Runs the matching until these listings' events are all fanned out (a concurrent run may hold some). */
async function matchAll(propertyIds: string[]) {
  for (let i = 0; i < 50; i += 1) {
    await matchListingEvents(db());
    const events = await eventsOf(propertyIds);
    if (events.every((e) => e.matched)) return events;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('events were not matched');
}

const setStatus = (id: string, status: typeof properties.$inferSelect.status) =>
  db().update(properties).set({ status }).where(eq(properties.id, id));
const setPrice = (id: string, price: number) => db().update(properties).set({ price }).where(eq(properties.id, id));

describe('listing events: written by the trigger in the statement of the change', () => {
  it('draft → active is a new_listing, pending/off_market → active a back_on_market, a lower active price a price_drop', async () => {
    const draft = await createTestProperty({ status: 'draft', price: 300_000_00 });
    expect(await eventsOf([draft.id])).toEqual([]);
    await setStatus(draft.id, 'active');
    await setPrice(draft.id, 290_000_00);
    await setPrice(draft.id, 295_000_00); // a rise: nothing
    await setStatus(draft.id, 'pending');
    await setStatus(draft.id, 'active');
    await setStatus(draft.id, 'off_market');
    await setPrice(draft.id, 200_000_00); // cheaper while off the market: nothing
    await setStatus(draft.id, 'active');
    await setStatus(draft.id, 'sold');
    await setStatus(draft.id, 'active'); // sold → active is none of the three
    const events = await eventsOf([draft.id]);
    expect(events.map((e) => [e.kind, e.price, e.previousPrice])).toEqual([
      ['new_listing', 300_000_00, null],
      ['price_drop', 290_000_00, 300_000_00],
      ['back_on_market', 295_000_00, null],
      ['back_on_market', 200_000_00, null],
    ]);
  });

  it('an insert of an active listing (an import) is a new_listing; a draft insert is nothing; one statement changing status and price is one event', async () => {
    const imported = await createTestProperty({ price: 123_00 });
    const draft = await createTestProperty({ status: 'draft' });
    expect((await eventsOf([imported.id])).map((e) => e.kind)).toEqual(['new_listing']);
    expect(await eventsOf([draft.id])).toEqual([]);
    await db().update(properties).set({ status: 'active', price: 1_00 }).where(eq(properties.id, draft.id));
    expect((await eventsOf([draft.id])).map((e) => [e.kind, e.price])).toEqual([['new_listing', 1_00]]);
  });

  it('a change that is rolled back leaves no event', async () => {
    const listing = await createTestProperty({ status: 'draft' });
    // The batch is one transaction: its second statement fails (slug check), so the first is undone.
    await expect(
      db().batch([
        db().update(properties).set({ status: 'active' }).where(eq(properties.id, listing.id)),
        db().update(properties).set({ slug: 'Not A Slug' }).where(eq(properties.id, listing.id)),
      ]),
    ).rejects.toThrow();
    expect(await eventsOf([listing.id])).toEqual([]);
  });
});

describe('matching: who gets an event', () => {
  it('records a match for each search the listing matches with that alert kind, and only for those', async () => {
    const city = `Matchtown-${tag()}`;
    const user = await createVerifiedUser();
    const unverified = await createVerifiedUser({ verified: false });
    const inactive = await createVerifiedUser({ isActive: false });
    const matching = await createTestSavedSearch(user.id, { city }, { frequency: 'daily' });
    const otherCity = await createTestSavedSearch(user.id, { city: `${city}-x` }, { frequency: 'daily' });
    const dropsOnly = await createTestSavedSearch(user.id, { city }, { frequency: 'daily', alerts: ['price_drop'] });
    const off = await createTestSavedSearch(user.id, { city }, { frequency: 'off' });
    const later = await createTestSavedSearch(
      user.id,
      { city },
      { frequency: 'daily', createdAt: new Date(Date.now() + 3600_000) },
    );
    const ofUnverified = await createTestSavedSearch(unverified.id, { city }, { frequency: 'daily' });
    const ofInactive = await createTestSavedSearch(inactive.id, { city }, { frequency: 'daily' });
    const tooDear = await createTestSavedSearch(user.id, { city, maxPrice: 1_000_00 }, { frequency: 'daily' });

    const listing = await createTestProperty({ city: city.toUpperCase(), price: 500_000_00 });
    await matchAll([listing.id]);
    const ids = [matching, otherCity, dropsOnly, off, later, ofUnverified, ofInactive, tooDear].map((s) => s.id);
    const matched = await matchesOf(ids);
    expect(matched.map((m) => [m.searchId, m.propertyId, m.kind])).toEqual([[matching.id, listing.id, 'new_listing']]);

    await setPrice(listing.id, 400_000_00);
    await matchAll([listing.id]);
    const after = await matchesOf(ids);
    expect(after.map((m) => [m.searchId, m.kind]).sort()).toEqual(
      [
        [matching.id, 'new_listing'],
        [matching.id, 'price_drop'],
        [dropsOnly.id, 'price_drop'],
      ].sort(),
    );
  });

  it('a listing that is no longer public when the matching runs alerts nobody', async () => {
    const city = `Gonetown-${tag()}`;
    const user = await createVerifiedUser();
    const search = await createTestSavedSearch(user.id, { city }, { frequency: 'daily' });
    const listing = await createTestProperty({ city, status: 'draft' });
    await db().batch([
      db().update(properties).set({ status: 'active' }).where(eq(properties.id, listing.id)),
      db().update(properties).set({ status: 'sold' }).where(eq(properties.id, listing.id)),
    ]);
    await matchAll([listing.id]);
    expect(await matchesOf([search.id])).toEqual([]);
  });

  it('two runs at once and a rerun record each match once and queue each instant alert once', async () => {
    const city = `Racetown-${tag()}`;
    const user = await createVerifiedUser();
    const searches = await Promise.all(
      Array.from({ length: 3 }, (_, i) => createTestSavedSearch(user.id, { city }, { name: `Race ${i}` })),
    );
    const listings = await Promise.all(Array.from({ length: 4 }, () => createTestProperty({ city })));
    const ids = listings.map((l) => l.id);
    await Promise.all([matchListingEvents(db(), { batchSize: 2 }), matchListingEvents(db(), { batchSize: 2 })]);
    await matchAll(ids);
    await matchListingEvents(db());
    const matched = await matchesOf(searches.map((s) => s.id));
    expect(matched).toHaveLength(12);
    expect(new Set(matched.map((m) => `${m.searchId}:${m.eventId}`)).size).toBe(12);
    expect(matched.every((m) => m.notificationId !== null)).toBe(true);
    const queued = await db().execute<{ n: string | number }>(
      sql`select count(*) as n from notification_queue where kind = 'listing_alert' and recipient = ${user.email}`,
    );
    expect(Number(queued.rows[0]?.n)).toBe(12);
    const stamped = await db()
      .select({ at: savedSearches.lastAlertedAt })
      .from(savedSearches)
      .where(
        inArray(
          savedSearches.id,
          searches.map((s) => s.id),
        ),
      );
    expect(stamped.every((s) => s.at !== null)).toBe(true);
  });
});

/**
 * The bar: a listing matches a saved search iff search returns it for the same parameters. A
 * pool of random listings (their own cities, a cluster of coordinates, a small vocabulary) and
 * many random filter sets, as saved searches; the matches the engine records are compared with
 * what filterConditions (the WHERE of GET /v1/properties) selects from the pool, and, for the
 * sets bound to a pool city (so that only pool listings can answer), with GET /v1/properties.
 */
describe('matching equals search, for random filter sets', () => {
  const WORDS = ['garden', 'loft', 'harbor', 'sunny', 'quiet', 'terrace', 'studio', 'villa'];
  const CENTER = { lat: 40.7, lng: -74.0 };

  it('every saved search matches exactly the listings search returns for its query', async () => {
    const run = tag();
    const cities = [`Alpha-${run}`, `Beta-${run}`];
    const seed = 1_400_514;
    const listingArb = fc.record({
      city: fc.constantFrom(...cities),
      propertyType: fc.constantFrom(...PROPERTY_TYPES),
      listingType: fc.constantFrom(...LISTING_TYPES),
      price: fc.integer({ min: 50_000_00, max: 2_000_000_00 }),
      bedrooms: fc.integer({ min: 0, max: 6 }),
      bathrooms: fc.integer({ min: 0, max: 8 }).map((n) => n / 2),
      areaSqm: fc.option(fc.integer({ min: 20, max: 600 }), { nil: null }),
      coords: fc.option(
        fc.record({
          dLat: fc.double({ min: -0.6, max: 0.6, noNaN: true }),
          dLng: fc.double({ min: -0.6, max: 0.6, noNaN: true }),
        }),
        { nil: null },
      ),
      words: fc.subarray(WORDS, { minLength: 1, maxLength: 3 }),
      pending: fc.boolean(),
    });
    const pool = fc.sample(listingArb, { seed, numRuns: 40 });

    const num = (min: number, max: number) => fc.integer({ min, max });
    const coord = (d: number) => fc.integer({ min: -d * 100, max: d * 100 }).map((n) => n / 100);
    // Each filter is set in about a third of the sets: enough of them combine, few empty everything.
    const opt = <T>(arb: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: arb, weight: 1 });
    const filtersArb = fc
      .record({
        q: opt(
          fc.oneof(
            fc.constantFrom(...WORDS),
            fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...WORDS)).map(([a, b]) => `${a} ${b}`),
            fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...WORDS)).map(([a, b]) => `${a} -${b}`),
            fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...WORDS)).map(([a, b]) => `${a} or ${b}`),
            fc.constant('the'),
          ),
        ),
        city: opt(
          fc.constantFrom(...cities, cities[0]?.toLowerCase() ?? '', cities[1]?.toUpperCase() ?? '', 'Nowhere'),
        ),
        propertyType: opt(fc.constantFrom(...PROPERTY_TYPES)),
        listingType: opt(fc.constantFrom(...LISTING_TYPES)),
        minPrice: opt(num(0, 1_500_000_00)),
        maxPrice: opt(num(100_000_00, 2_500_000_00)),
        minBedrooms: opt(num(0, 5)),
        minBathrooms: opt(fc.constantFrom(0, 1, 1.5, 2, 2.25, 3.5)),
        minArea: opt(num(0, 400)),
        maxArea: opt(num(50, 700)),
        bbox: opt(
          fc.tuple(coord(0.8), coord(0.8), coord(0.8), coord(0.8)).map(([a, b, c, d]) => ({
            minLng: Math.round((CENTER.lng + Math.min(a, b)) * 100) / 100,
            maxLng: Math.round((CENTER.lng + Math.max(a, b)) * 100) / 100,
            minLat: Math.round((CENTER.lat + Math.min(c, d)) * 100) / 100,
            maxLat: Math.round((CENTER.lat + Math.max(c, d)) * 100) / 100,
          })),
        ),
        near: opt(
          fc.tuple(coord(0.5), coord(0.5)).map(([a, b]) => ({
            lat: Math.round((CENTER.lat + a) * 100) / 100,
            lng: Math.round((CENTER.lng + b) * 100) / 100,
          })),
        ),
        radiusKm: opt(fc.constantFrom(0.5, 5, 12.5, 40)),
      })
      .map((f) => {
        const filters: SearchFilters = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
        // What search's validation refuses, a saved search cannot hold either.
        if (filters.radiusKm !== undefined && !filters.near) delete filters.radiusKm;
        if (filters.minPrice !== undefined && filters.maxPrice !== undefined && filters.minPrice > filters.maxPrice) {
          delete filters.maxPrice;
        }
        if (filters.minArea !== undefined && filters.maxArea !== undefined && filters.minArea > filters.maxArea) {
          delete filters.maxArea;
        }
        return filters;
      });
    const filterSets = fc.sample(filtersArb, { seed: seed + 1, numRuns: 240 });

    const user = await createVerifiedUser();
    const rows = filterSets.map((filters, i) =>
      savedSearchRow(user.id, filters, { name: `Random ${i}`, frequency: 'daily' }),
    );
    for (let i = 0; i < rows.length; i += 60)
      await db()
        .insert(savedSearches)
        .values(rows.slice(i, i + 60));

    const listings = [];
    for (const [i, l] of pool.entries()) {
      const listing = await createTestProperty({
        title: `${l.words.join(' ')} home ${i}`,
        description: `A ${l.words.at(-1)} place`,
        city: l.city,
        propertyType: l.propertyType,
        listingType: l.listingType,
        price: l.price,
        bedrooms: l.bedrooms,
        bathrooms: l.bathrooms,
        areaSqm: l.areaSqm,
        latitude: l.coords ? CENTER.lat + l.coords.dLat : null,
        longitude: l.coords ? CENTER.lng + l.coords.dLng : null,
      });
      if (l.pending) await setStatus(listing.id, 'pending');
      listings.push(listing);
    }
    const poolIds = listings.map((l) => l.id);
    try {
      await matchAll(poolIds);
      const matched = await matchesOf(rows.map((r) => r.id));
      const bySearch = new Map<string, string[]>();
      for (const m of matched) bySearch.set(m.searchId, [...(bySearch.get(m.searchId) ?? []), m.propertyId]);

      let nonEmpty = 0;
      let viaApi = 0;
      for (const [i, filters] of filterSets.entries()) {
        const row = rows[i];
        if (!row) continue;
        const expected = (
          await db()
            .select({ id: properties.id })
            .from(properties)
            .where(and(inArray(properties.id, poolIds), ...filterConditions(filters, 'public')))
        )
          .map((r) => r.id)
          .sort();
        const got = [...(bySearch.get(row.id) ?? [])].sort();
        expect({ filters, got }).toEqual({ filters, got: expected });
        if (expected.length > 0) nonEmpty += 1;
        if (
          filters.city !== undefined &&
          cities.some((c) => c.toLowerCase() === filters.city?.toLowerCase()) &&
          viaApi < 40
        ) {
          viaApi += 1;
          const params = new URLSearchParams({ ...queryOf(filters), limit: '100' });
          const res = await api(`/v1/properties?${params}`);
          expect(res.status).toBe(200);
          const body = await json<{ data: Array<{ id: string }>; nextCursor: string | null }>(res);
          expect(body.nextCursor).toBeNull();
          expect({ filters, ids: body.data.map((d) => d.id).sort() }).toEqual({ filters, ids: expected });
        }
      }
      // The random sets are not all trivially empty or all-matching.
      expect(nonEmpty).toBeGreaterThan(30);
      expect(nonEmpty).toBeLessThan(filterSets.length);
      expect(viaApi).toBeGreaterThan(10);
    } finally {
      // The digest tests run over every pending match: these searches must not add a digest.
      await db()
        .delete(savedSearches)
        .where(
          inArray(
            savedSearches.id,
            rows.map((r) => r.id),
          ),
        );
    }
  });
});
