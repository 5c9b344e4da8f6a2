import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../src/db/client';
import type { AlertFrequency, ListingAlertKind } from '../../src/db/enums';
import { savedSearches } from '../../src/db/schema';
import type { SearchFilters } from '../../src/services/listings/filters';
import { filterColumns } from '../../src/services/saved-searches/saved-searches';
import { testDb } from './db';
import { createTestUser, type TestUser } from './users';

/** A visitor whose address is verified (alerts go to verified addresses only). */
export async function createVerifiedUser(options: { isActive?: boolean; verified?: boolean } = {}): Promise<TestUser> {
  const user = await createTestUser({ isActive: options.isActive });
  if (options.verified !== false) {
    await testDb().execute(sql`update users set email_verified_at = now() where id = ${user.id}`);
  }
  return user;
}

/** The URL query a client would have sent for these filters (what saved_searches.query holds). */
export function queryOf(filters: SearchFilters): Record<string, string> {
  const q: Record<string, string> = {};
  if (filters.q !== undefined) q.q = filters.q;
  if (filters.city !== undefined) q.city = filters.city;
  if (filters.propertyType) q.propertyType = filters.propertyType;
  if (filters.listingType) q.listingType = filters.listingType;
  if (filters.minPrice !== undefined) q.minPrice = String(filters.minPrice);
  if (filters.maxPrice !== undefined) q.maxPrice = String(filters.maxPrice);
  if (filters.minBedrooms !== undefined) q.minBedrooms = String(filters.minBedrooms);
  if (filters.minBathrooms !== undefined) q.minBathrooms = String(filters.minBathrooms);
  if (filters.minArea !== undefined) q.minArea = String(filters.minArea);
  if (filters.maxArea !== undefined) q.maxArea = String(filters.maxArea);
  if (filters.bbox) {
    const b = filters.bbox;
    q.bbox = [b.minLng, b.minLat, b.maxLng, b.maxLat].join(',');
  }
  if (filters.near) q.near = `${filters.near.lat},${filters.near.lng}`;
  if (filters.radiusKm !== undefined) q.radiusKm = String(filters.radiusKm);
  return q;
}

export interface SavedSearchOptions {
  name?: string;
  alerts?: ListingAlertKind[];
  frequency?: AlertFrequency;
  /** Defaults to an hour ago, so that every event of the test comes after the search. */
  createdAt?: Date;
}

/** The saved_searches row of these filters, `query` and typed columns filled as the routes fill them. */
export function savedSearchRow(userId: string, filters: SearchFilters, options: SavedSearchOptions = {}) {
  return {
    id: uuidv7(),
    userId,
    name: options.name ?? 'Test search',
    query: queryOf(filters),
    // The typed columns exactly as the saved-search routes write them.
    ...filterColumns(filters),
    alerts: options.alerts ?? (['new_listing', 'price_drop', 'back_on_market'] as ListingAlertKind[]),
    frequency: options.frequency ?? 'instant',
    createdAt: options.createdAt ?? new Date(Date.now() - 3600_000),
  };
}

export async function createTestSavedSearch(
  userId: string,
  filters: SearchFilters,
  options: SavedSearchOptions = {},
  db: Database = testDb(),
) {
  const row = savedSearchRow(userId, filters, options);
  await db.insert(savedSearches).values(row);
  return row;
}

/** The matches recorded for these saved searches: "searchId eventId kind" strings, sorted. */
export async function matchesOf(
  searchIds: string[],
  db: Database = testDb(),
): Promise<
  Array<{
    searchId: string;
    eventId: string;
    propertyId: string;
    kind: string;
    notificationId: string | null;
    digestId: string | null;
  }>
> {
  if (searchIds.length === 0) return [];
  const result = await db.execute<{
    saved_search_id: string;
    event_id: string;
    property_id: string;
    kind: string;
    notification_id: string | null;
    digest_id: string | null;
  }>(sql`select saved_search_id, event_id, property_id, kind, notification_id, digest_id from saved_search_matches
    where saved_search_id = any(${`{${searchIds.join(',')}}`}::uuid[]) order by saved_search_id, event_id`);
  return result.rows.map((r) => ({
    searchId: r.saved_search_id,
    eventId: r.event_id,
    propertyId: r.property_id,
    kind: r.kind,
    notificationId: r.notification_id,
    digestId: r.digest_id,
  }));
}

/** The listing events of these listings, oldest first. */
export async function eventsOf(propertyIds: string[], db: Database = testDb()) {
  if (propertyIds.length === 0) return [];
  const result = await db.execute<{
    id: string;
    property_id: string;
    kind: string;
    price: string | number;
    previous_price: string | number | null;
    matched_at: string | null;
  }>(sql`select id, property_id, kind, price, previous_price, matched_at from listing_events
    where property_id = any(${`{${propertyIds.join(',')}}`}::uuid[]) order by created_at, id`);
  return result.rows.map((r) => ({
    id: r.id,
    propertyId: r.property_id,
    kind: r.kind,
    price: Number(r.price),
    previousPrice: r.previous_price === null ? null : Number(r.previous_price),
    matched: r.matched_at !== null,
  }));
}
