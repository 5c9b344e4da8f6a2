import { type AnyColumn, and, eq, gte, lte, type SQL, sql } from 'drizzle-orm';
import type { ListingStatus, ListingType, PropertyType } from '../../db/enums';
import { properties } from '../../db/schema';
import { PUBLIC_STATUS } from './columns';

export const SEARCH_SORTS = ['newest', 'price_asc', 'price_desc', 'relevance', 'distance'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export interface SearchFilters {
  q?: string;
  city?: string;
  propertyType?: PropertyType;
  listingType?: ListingType;
  minPrice?: number;
  maxPrice?: number;
  minBedrooms?: number;
  minBathrooms?: number;
  minArea?: number;
  maxArea?: number;
  bbox?: { minLng: number; minLat: number; maxLng: number; maxLat: number };
  near?: { lat: number; lng: number };
  radiusKm?: number;
  /** Admin lists only. */
  status?: ListingStatus;
}

/** Who is looking: the public sees active and pending listings, admins every status. */
export type Visibility = 'public' | 'admin';

export const DEFAULT_RADIUS_KM = 25;
const EARTH_RADIUS_KM = 6371.0088;
export const KM_PER_DEGREE_LAT = (Math.PI * EARTH_RADIUS_KM) / 180;

/**
 * Exact great-circle distance (haversine) from `near`, in km; no PostGIS needed. `near` may be
 * columns (alert matching measures from each saved search's point with this same formula).
 */
export function distanceSql(near: { lat: number | SQL | AnyColumn; lng: number | SQL | AnyColumn }): SQL<number> {
  return sql<number>`(${EARTH_RADIUS_KM}::float8 * 2 * asin(least(1::float8, sqrt(
    power(sin(radians(${properties.latitude} - ${near.lat}::float8) / 2), 2)
    + cos(radians(${near.lat}::float8)) * cos(radians(${properties.latitude}))
      * power(sin(radians(${properties.longitude} - ${near.lng}::float8) / 2), 2)))))`;
}

export function rankSql(q: string): SQL<number> {
  return sql<number>`ts_rank(${properties.search}, websearch_to_tsquery('english', ${q}))::float8`;
}

/** The full-text condition of `q`; `search` names the tsvector (the column itself by default). */
export function textMatch(q: string, search: SQL | AnyColumn = properties.search): SQL {
  return sql`${search} @@ websearch_to_tsquery('english', ${q})`;
}

/**
 * A latitude/longitude box around `near` that contains the whole circle: the indexed
 * prefilter. Near a pole or across the antimeridian only the latitude band is used.
 */
function nearBox(near: { lat: number; lng: number }, radiusKm: number): SQL[] {
  const dLat = radiusKm / KM_PER_DEGREE_LAT;
  const conditions: SQL[] = [
    sql`${properties.latitude} between ${near.lat - dLat}::float8 and ${near.lat + dLat}::float8`,
  ];
  const angular = radiusKm / EARTH_RADIUS_KM;
  const cosLat = Math.cos((near.lat * Math.PI) / 180);
  if (Math.abs(near.lat) + dLat < 89 && Math.sin(angular) < cosLat) {
    const dLng = (Math.asin(Math.sin(angular) / cosLat) * 180) / Math.PI;
    if (near.lng - dLng >= -180 && near.lng + dLng <= 180) {
      conditions.push(sql`${properties.longitude} between ${near.lng - dLng}::float8 and ${near.lng + dLng}::float8`);
    }
  }
  return conditions;
}

/** The WHERE conditions of a filter set (no cursor). */
export function filterConditions(filters: SearchFilters, visibility: Visibility): SQL[] {
  const c: SQL[] = [];
  if (visibility === 'public') c.push(PUBLIC_STATUS);
  else if (filters.status) c.push(eq(properties.status, filters.status));
  if (filters.q !== undefined) c.push(textMatch(filters.q));
  if (filters.city !== undefined) c.push(sql`lower(${properties.city}) = ${filters.city.toLowerCase()}`);
  if (filters.propertyType) c.push(eq(properties.propertyType, filters.propertyType));
  if (filters.listingType) c.push(eq(properties.listingType, filters.listingType));
  if (filters.minPrice !== undefined) c.push(gte(properties.price, filters.minPrice));
  if (filters.maxPrice !== undefined) c.push(lte(properties.price, filters.maxPrice));
  if (filters.minBedrooms !== undefined) c.push(gte(properties.bedrooms, filters.minBedrooms));
  if (filters.minBathrooms !== undefined) c.push(gte(properties.bathrooms, filters.minBathrooms));
  if (filters.minArea !== undefined) c.push(gte(properties.areaSqm, filters.minArea));
  if (filters.maxArea !== undefined) c.push(lte(properties.areaSqm, filters.maxArea));
  if (filters.bbox) {
    const b = filters.bbox;
    c.push(sql`${properties.latitude} between ${b.minLat}::float8 and ${b.maxLat}::float8`);
    c.push(sql`${properties.longitude} between ${b.minLng}::float8 and ${b.maxLng}::float8`);
  }
  if (filters.near) {
    const radius = filters.radiusKm ?? DEFAULT_RADIUS_KM;
    c.push(...nearBox(filters.near, radius));
    c.push(sql`${distanceSql(filters.near)} <= ${radius}::float8`);
  }
  return c;
}

export function whereOf(conditions: SQL[]): SQL | undefined {
  return conditions.length > 0 ? and(...conditions) : undefined;
}

/** A stable text form of the filters, for binding cursors to them. */
export function canonicalFilters(filters: SearchFilters): string {
  const entries = Object.entries(filters)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(entries);
}
