import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { properties } from '../../db/schema';
import { filterConditions, type SearchFilters, type Visibility, whereOf } from './filters';

/** Price bands in minor units (lower bound inclusive); the last one is open-ended. */
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

// Constants from code, inlined so the same expression text appears in SELECT and GROUP BY.
const BAND = sql.raw(
  `(case ${PRICE_BANDS.map((b, i) => (b.max === null ? `else ${i}` : `when "properties"."price" < ${b.max} then ${i}`)).join(' ')} end)`,
);

const MAX_CITIES = 50;

export function facetsQuery(db: Database, filters: SearchFilters, visibility: Visibility) {
  return db
    .select({
      grouping: sql<number>`grouping(${properties.propertyType}, ${properties.city}, ${properties.listingType}, ${BAND})::int`,
      propertyType: properties.propertyType,
      city: properties.city,
      listingType: properties.listingType,
      band: sql<number | null>`${BAND}`,
      count: sql<number>`count(*)::int`,
    })
    .from(properties)
    .where(whereOf(filterConditions(filters, visibility)))
    .groupBy(
      sql`grouping sets ((${properties.propertyType}), (${properties.city}), (${properties.listingType}), (${BAND}), ())`,
    );
}

interface Count<T> {
  value: T;
  count: number;
}

export interface Facets {
  total: number;
  propertyType: Count<string>[];
  listingType: Count<string>[];
  city: Count<string>[];
  priceBands: Array<{ min: number; max: number | null; count: number }>;
}

const byCount = <T>(a: Count<T>, b: Count<T>) => b.count - a.count || String(a.value).localeCompare(String(b.value));

/** Counts for the current filter set, in one grouping-sets query. */
export async function listingFacets(db: Database, filters: SearchFilters, visibility: Visibility): Promise<Facets> {
  const rows = await facetsQuery(db, filters, visibility);
  const facets: Facets = { total: 0, propertyType: [], listingType: [], city: [], priceBands: [] };
  const bands = new Map<number, number>();
  // grouping() sets a bit for each column NOT in the row's grouping set (property type = 8 ... band = 1).
  for (const row of rows) {
    const count = Number(row.count);
    if (row.grouping === 15) facets.total = count;
    else if (row.grouping === 7 && row.propertyType) facets.propertyType.push({ value: row.propertyType, count });
    else if (row.grouping === 11 && row.city !== null) facets.city.push({ value: row.city, count });
    else if (row.grouping === 13 && row.listingType) facets.listingType.push({ value: row.listingType, count });
    else if (row.grouping === 14 && row.band !== null) bands.set(Number(row.band), count);
  }
  facets.propertyType.sort(byCount);
  facets.listingType.sort(byCount);
  facets.city = facets.city.sort(byCount).slice(0, MAX_CITIES);
  facets.priceBands = PRICE_BANDS.map((b, i) => ({ min: b.min, max: b.max, count: bands.get(i) ?? 0 }));
  return facets;
}
