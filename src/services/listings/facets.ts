import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { ListingType, PropertyType } from '../../db/enums';
import { listingFacetCounts as counts, properties } from '../../db/schema';
import { filterConditions, type SearchFilters, type Visibility, whereOf } from './filters';

/**
 * Price bands in minor units (lower bound inclusive); the last one is open-ended. The database
 * bands prices with listing_price_band() (a migration), which must agree: a test pins it.
 */
export const PRICE_BANDS: ReadonlyArray<{ min: number; max: number | null }> = [
  { min: 0, max: 100_000 },
  { min: 100_000, max: 250_000 },
  { min: 250_000, max: 500_000 },
  { min: 500_000, max: 10_000_000 },
  { min: 10_000_000, max: 25_000_000 },
  { min: 25_000_000, max: 50_000_000 },
  { min: 50_000_000, max: 100_000_000 },
  { min: 100_000_000, max: null },
];

export const MAX_CITIES = 50;

/** The filters listing_facet_counts applies itself; any other one needs the listings counted. */
const COUNTED_FILTERS: ReadonlySet<string> = new Set(['propertyType', 'listingType', 'city', 'minPrice', 'maxPrice']);

/** Live counts: the matching listings grouped by the four facets (an index-only scan unfiltered). */
function listingGroups(filters: SearchFilters, visibility: Visibility, extra: SQL[] = []): SQL {
  const where = whereOf([...filterConditions(filters, visibility), ...extra]) ?? sql`true`;
  return sql`select ${properties.propertyType} as property_type, ${properties.city} as city,
      ${properties.listingType} as listing_type, listing_price_band(${properties.price}) as price_band,
      count(*)::int as listings
    from ${properties} where ${where} group by 1, 2, 3, 4`;
}

/** listing_facet_counts rows of the type, listing type and city filters, plus `extra`. */
function countedGroups(filters: SearchFilters, extra: SQL[] = []): SQL {
  const c: SQL[] = [sql`${counts.listings} > 0`];
  if (filters.propertyType) c.push(sql`${counts.propertyType} = ${filters.propertyType}`);
  if (filters.listingType) c.push(sql`${counts.listingType} = ${filters.listingType}`);
  if (filters.city !== undefined) c.push(sql`lower(${counts.city}) = ${filters.city.toLowerCase()}`);
  return sql`select ${counts.propertyType} as property_type, ${counts.city} as city,
      ${counts.listingType} as listing_type, ${counts.priceBand} as price_band, ${counts.listings} as listings
    from ${counts} where ${sql.join([...c, ...extra], sql` and `)}`;
}

/**
 * The rows to add up, each a group and its listings. Without price filters the counts table
 * answers alone. With them it answers when each group lies wholly inside or outside the price
 * range (its min/max bounds say so); when one straddles a bound, the listings are counted
 * instead. Both branches are in the one statement and a one-time filter runs only one of them.
 */
function facetRows(filters: SearchFilters, visibility: Visibility): SQL {
  const counted = Object.entries(filters).every(([name, value]) => value === undefined || COUNTED_FILTERS.has(name));
  if (visibility !== 'public' || !counted) return listingGroups(filters, visibility);
  const { minPrice, maxPrice } = filters;
  if (minPrice === undefined && maxPrice === undefined) return countedGroups(filters);
  const inside: SQL[] = [];
  const outside: SQL[] = [];
  if (minPrice !== undefined) {
    inside.push(sql`${counts.minPrice} >= ${minPrice}::bigint`);
    outside.push(sql`${counts.maxPrice} < ${minPrice}::bigint`);
  }
  if (maxPrice !== undefined) {
    inside.push(sql`${counts.maxPrice} <= ${maxPrice}::bigint`);
    outside.push(sql`${counts.minPrice} > ${maxPrice}::bigint`);
  }
  const whollyInside = sql`(${sql.join(inside, sql` and `)})`;
  const whollyOutside = sql`(${sql.join(outside, sql` or `)})`;
  const straddling = sql`not coalesce(${whollyInside} or ${whollyOutside}, false)`;
  return sql`with exact as (select not exists (${countedGroups(filters, [straddling])}) as yes)
    ${countedGroups(filters, [whollyInside, sql`(select yes from exact)`])}
    union all
    ${listingGroups(filters, visibility, [sql`not (select yes from exact)`])}`;
}

/**
 * One statement: every facet (types, cities, listing types, price bands) and the total, rolled
 * up by grouping sets from the facet groups. Exported so the EXPLAIN test plans what runs.
 */
export function facetsQuery(filters: SearchFilters, visibility: Visibility): SQL {
  return sql`select grouping(property_type, city, listing_type, price_band)::int as grouping,
      property_type, city, listing_type, price_band, coalesce(sum(listings), 0)::int as count
    from (${facetRows(filters, visibility)}) r
    group by grouping sets ((property_type), (city), (listing_type), (price_band), ())`;
}

interface FacetRow extends Record<string, unknown> {
  grouping: number;
  property_type: PropertyType | null;
  city: string | null;
  listing_type: ListingType | null;
  price_band: number | null;
  count: number;
}

interface Count<T> {
  value: T;
  count: number;
}

export interface Facets {
  total: number;
  propertyType: Count<PropertyType>[];
  listingType: Count<ListingType>[];
  city: Count<string>[];
  priceBands: Array<{ min: number; max: number | null; count: number }>;
}

const byCount = <T>(a: Count<T>, b: Count<T>) => b.count - a.count || String(a.value).localeCompare(String(b.value));

/** Counts for the current filter set, in one statement. */
export async function listingFacets(db: Database, filters: SearchFilters, visibility: Visibility): Promise<Facets> {
  const { rows } = await db.execute<FacetRow>(facetsQuery(filters, visibility));
  const facets: Facets = { total: 0, propertyType: [], listingType: [], city: [], priceBands: [] };
  const bands = new Map<number, number>();
  // grouping() sets a bit for each column NOT in the row's grouping set (property type = 8 ... band = 1).
  for (const row of rows) {
    const count = Number(row.count);
    const grouping = Number(row.grouping);
    if (grouping === 15) facets.total = count;
    else if (grouping === 7 && row.property_type) facets.propertyType.push({ value: row.property_type, count });
    else if (grouping === 11 && row.city !== null) facets.city.push({ value: row.city, count });
    else if (grouping === 13 && row.listing_type) facets.listingType.push({ value: row.listing_type, count });
    else if (grouping === 14 && row.price_band !== null) bands.set(Number(row.price_band), count);
  }
  facets.propertyType.sort(byCount);
  facets.listingType.sort(byCount);
  facets.city = facets.city.sort(byCount).slice(0, MAX_CITIES);
  facets.priceBands = PRICE_BANDS.map((b, i) => ({ min: b.min, max: b.max, count: bands.get(i) ?? 0 }));
  return facets;
}
