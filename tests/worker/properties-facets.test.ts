import { eq, inArray, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { listingFacetCounts, properties } from '../../src/db/schema';
import { type Facets, listingFacets, PRICE_BANDS } from '../../src/services/listings/facets';
import type { SearchFilters } from '../../src/services/listings/filters';
import { testDb } from '../helpers/db';

// The service is called directly: the route's edge cache would answer a repeated URL with the
// counts from before a change (the route itself is covered in properties-search.test.ts).

type Insert = typeof properties.$inferInsert;
type Listing = Insert & { id: string; price: number; city: string };

const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const uniqueCity = () => `Facetcity ${tag()}`;
let counter = 0;

function listing(over: Partial<Insert> & { city: string }): Listing {
  counter += 1;
  return {
    id: uuidv7(),
    slug: `facets-${tag()}-${counter}`,
    title: `Facet listing ${counter}`,
    propertyType: 'house',
    listingType: 'sale',
    status: 'active',
    price: 50_000_000,
    addressLine1: '1 Test Street',
    country: 'US',
    ...over,
  };
}

const bandOf = (price: number) => PRICE_BANDS.findIndex((b) => b.max === null || price < b.max);

/** The facets `rows` must produce, counted here from the rows themselves. */
function expected(rows: Listing[]): Facets {
  const visible = rows.filter((r) => r.status === 'active' || r.status === 'pending');
  const tally = <T extends string>(key: (r: Listing) => T) => {
    const counts = new Map<T, number>();
    for (const r of visible) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
    return [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  };
  return {
    total: visible.length,
    propertyType: tally((r) => r.propertyType ?? 'house'),
    listingType: tally((r) => r.listingType ?? 'sale'),
    city: tally((r) => r.city),
    priceBands: PRICE_BANDS.map((b, i) => ({
      min: b.min,
      max: b.max,
      count: visible.filter((r) => bandOf(r.price) === i).length,
    })),
  };
}

const facets = (filters: SearchFilters) => listingFacets(testDb(), filters, 'public');

/** The stored groups of `cities` next to a recount from properties, bounds checked. */
async function expectCountsMatchListings(cities: string[]) {
  const db = testDb();
  const stored = await db
    .select()
    .from(listingFacetCounts)
    .where(sql`${inArray(listingFacetCounts.city, cities)} and ${listingFacetCounts.listings} <> 0`);
  const { rows: recount } = await db.execute<{
    property_type: string;
    listing_type: string;
    city: string;
    price_band: number;
    listings: number;
    min_price: string;
    max_price: string;
  }>(sql`select property_type, listing_type, city, listing_price_band(price) as price_band,
      count(*)::int as listings, min(price)::text as min_price, max(price)::text as max_price
    from properties where status in ('active', 'pending') and ${inArray(properties.city, cities)}
    group by 1, 2, 3, 4`);
  const storedByKey = new Map(stored.map((g) => [`${g.propertyType}|${g.listingType}|${g.city}|${g.priceBand}`, g]));
  expect(stored).toHaveLength(recount.length);
  for (const r of recount) {
    const g = storedByKey.get(`${r.property_type}|${r.listing_type}|${r.city}|${Number(r.price_band)}`);
    expect(g, `group ${JSON.stringify(r)}`).toBeDefined();
    expect(g?.listings).toBe(Number(r.listings));
    // Bounds, not exact figures: they may be wider than the prices, never narrower.
    expect(Number(g?.minPrice)).toBeLessThanOrEqual(Number(r.min_price));
    expect(Number(g?.maxPrice)).toBeGreaterThanOrEqual(Number(r.max_price));
  }
}

describe('listing facets from listing_facet_counts', () => {
  it('listing_price_band() agrees with PRICE_BANDS at every bound', async () => {
    const probes = PRICE_BANDS.flatMap((b) => (b.max === null ? [b.min] : [b.min, b.max - 1]));
    const { rows } = await testDb().execute<{ price: string; band: number }>(
      sql`select p::text as price, listing_price_band(p) as band
        from (values ${sql.join(
          probes.map((p) => sql`(${p}::bigint)`),
          sql`, `,
        )}) v(p)`,
    );
    expect(rows.map((r) => [Number(r.price), Number(r.band)])).toEqual(probes.map((p) => [p, bandOf(p)]));
  });

  it('follows inserts, updates and deletes of one and of many rows per statement', async () => {
    const db = testDb();
    const city = uniqueCity();
    const other = uniqueCity();
    const rows: Listing[] = [
      listing({ city, price: 50_000 }),
      listing({ city, price: 200_000, propertyType: 'condo', status: 'pending' }),
      listing({ city, price: 200_000, propertyType: 'condo', listingType: 'rent' }),
      listing({ city, price: 150_000_000 }),
      listing({ city, price: 30_000_000, status: 'draft' }),
      listing({ city, price: 30_000_000, status: 'sold' }),
    ];
    const check = async () => {
      expect(await facets({ city })).toEqual(expected(rows.filter((r) => r.city === city)));
      expect(await facets({ city: other.toUpperCase() })).toEqual(expected(rows.filter((r) => r.city === other)));
      await expectCountsMatchListings([city, other]);
    };
    const set = (ids: string[], change: Partial<Listing>) => {
      for (const r of rows) if (ids.includes(r.id)) Object.assign(r, change);
      return db.update(properties).set(change).where(inArray(properties.id, ids));
    };
    const [a, b, c, d, draft, sold] = rows.map((r) => r.id) as [string, string, string, string, string, string];

    await db.insert(properties).values(rows);
    await check();
    await set([a, b], { status: 'sold' });
    await check();
    await set([draft, sold], { status: 'active' });
    await check();
    await set([c], { price: 90_000_000 });
    await check();
    await set([d, c], { city: other });
    await check();
    await set([a, b, draft], { title: 'Only the title changes' });
    await check();
    await db.delete(properties).where(eq(properties.id, d));
    rows.splice(
      rows.findIndex((r) => r.id === d),
      1,
    );
    await check();
    await set([c], { price: 10_000_000, propertyType: 'land' });
    await check();
  });

  it('takes a price filter from the counts where it keeps or drops whole groups and counts a straddled group', async () => {
    const db = testDb();
    const city = uniqueCity();
    // One group (house, sale, band 100,000..250,000) with prices 150,000 and 200,000; one above it.
    const low = listing({ city, price: 150_000 });
    const high = listing({ city, price: 200_000 });
    const above = listing({ city, price: 300_000 });
    await db.insert(properties).values([low, high, above]);
    const total = async (filters: SearchFilters) => (await facets({ city, ...filters })).total;
    expect(await total({ maxPrice: 249_999 })).toBe(2);
    expect(await total({ maxPrice: 200_000 })).toBe(2);
    expect(await total({ maxPrice: 175_000 })).toBe(1);
    expect(await total({ minPrice: 175_000 })).toBe(2);
    expect(await total({ minPrice: 150_000, maxPrice: 300_000 })).toBe(3);
    expect(await total({ minPrice: 150_001, maxPrice: 299_999 })).toBe(1);
    expect(await total({ maxPrice: 100_000_000_000_000 })).toBe(3);
    expect((await facets({ city, maxPrice: 175_000 })).priceBands.find((b) => b.min === 100_000)?.count).toBe(1);
    // Deleting the dearer one leaves the group's bounds at 150,000..200,000: still right.
    await db.delete(properties).where(eq(properties.id, high.id));
    expect(await total({ maxPrice: 175_000 })).toBe(1);
    expect(await total({ minPrice: 160_000 })).toBe(1);
    expect(await total({ minPrice: 150_000, maxPrice: 199_999 })).toBe(1);
  });

  it('counts the listings themselves for filters the counts table does not have', async () => {
    const city = uniqueCity();
    const word = `facetword${tag()}`;
    const rows = [
      listing({ city, bedrooms: 1, title: `Small ${word} flat` }),
      listing({ city, bedrooms: 4, price: 300_000 }),
      listing({ city, bedrooms: 5, status: 'rented' }),
    ];
    await testDb().insert(properties).values(rows);
    expect(await facets({ city, minBedrooms: 3 })).toEqual(expected([rows[1] as Listing]));
    expect(await facets({ city, q: word })).toEqual(expected([rows[0] as Listing]));
    expect(await facets({ city, minBedrooms: 3, maxPrice: 250_000 })).toEqual(expected([]));
  });
});
