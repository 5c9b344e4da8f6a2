import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import { type AlertFrequency, LISTING_ALERT_KINDS, type ListingAlertKind } from '../../db/enums';
import { savedSearches, users } from '../../db/schema';
import { conflict, notFound } from '../../lib/errors';
import { DEFAULT_RADIUS_KM, type SearchFilters } from '../listings/filters';
import { MAX_SAVED_SEARCHES } from './limits';

export type SavedSearchRow = typeof savedSearches.$inferSelect;

/** A saved query twice: as the client spells it in a URL, and parsed (the typed columns). */
export interface SavedQuery {
  params: Record<string, string>;
  filters: SearchFilters;
}

export interface NewSavedSearch {
  name: string;
  query: SavedQuery;
  alerts: readonly ListingAlertKind[];
  frequency: AlertFrequency;
}

export type SavedSearchPatch = Partial<NewSavedSearch>;

const notFoundError = () => notFound('SAVED_SEARCH_NOT_FOUND', 'No such saved search.');

/** A set, in the enum's order: ['price_drop', 'new_listing', 'price_drop'] is stored once each. */
export const normalizeAlerts = (alerts: readonly ListingAlertKind[]) =>
  LISTING_ALERT_KINDS.filter((kind) => alerts.includes(kind));

/**
 * The typed columns of a filter set, compared the way search compares: city lowercased (search
 * matches lower(city) = lower(input)), and the radius search would use when near comes without one.
 */
export function filterColumns(f: SearchFilters) {
  return {
    q: f.q ?? null,
    city: f.city === undefined ? null : f.city.toLowerCase(),
    propertyType: f.propertyType ?? null,
    listingType: f.listingType ?? null,
    minPrice: f.minPrice ?? null,
    maxPrice: f.maxPrice ?? null,
    minBedrooms: f.minBedrooms ?? null,
    minBathrooms: f.minBathrooms ?? null,
    minArea: f.minArea ?? null,
    maxArea: f.maxArea ?? null,
    bboxMinLng: f.bbox?.minLng ?? null,
    bboxMinLat: f.bbox?.minLat ?? null,
    bboxMaxLng: f.bbox?.maxLng ?? null,
    bboxMaxLat: f.bbox?.maxLat ?? null,
    nearLat: f.near?.lat ?? null,
    nearLng: f.near?.lng ?? null,
    radiusKm: f.near ? (f.radiusKm ?? DEFAULT_RADIUS_KM) : null,
  };
}

/** Values (SQL-cast) for every written column of a new row, in insert order. */
function insertValues(id: string, userId: string, input: NewSavedSearch): Array<[string, SQL]> {
  const c = filterColumns(input.query.filters);
  const alerts = `{${normalizeAlerts(input.alerts).join(',')}}`;
  return [
    ['id', sql`${id}::uuid`],
    ['user_id', sql`${userId}::uuid`],
    ['name', sql`${input.name}::text`],
    ['query', sql`${JSON.stringify(input.query.params)}::jsonb`],
    ['q', sql`${c.q}::text`],
    ['city', sql`${c.city}::text`],
    ['property_type', sql`${c.propertyType}::property_type`],
    ['listing_type', sql`${c.listingType}::listing_type`],
    ['min_price', sql`${c.minPrice}::bigint`],
    ['max_price', sql`${c.maxPrice}::bigint`],
    ['min_bedrooms', sql`${c.minBedrooms}::smallint`],
    ['min_bathrooms', sql`${c.minBathrooms}::numeric`],
    ['min_area', sql`${c.minArea}::integer`],
    ['max_area', sql`${c.maxArea}::integer`],
    ['bbox_min_lng', sql`${c.bboxMinLng}::float8`],
    ['bbox_min_lat', sql`${c.bboxMinLat}::float8`],
    ['bbox_max_lng', sql`${c.bboxMaxLng}::float8`],
    ['bbox_max_lat', sql`${c.bboxMaxLat}::float8`],
    ['near_lat', sql`${c.nearLat}::float8`],
    ['near_lng', sql`${c.nearLng}::float8`],
    ['radius_km', sql`${c.radiusKm}::float8`],
    ['alerts', sql`${alerts}::listing_alert_kind[]`],
    ['frequency', sql`${input.frequency}::alert_frequency`],
  ];
}

/**
 * Saves a search unless the user already has MAX_SAVED_SEARCHES. One batch (one transaction):
 * the user's row is locked first, so concurrent creates of one user queue there, and the
 * insert's count, a later statement with its own snapshot, sees every row committed before it.
 * (In a single statement the count would use a snapshot from before the lock was granted.)
 */
export async function createSavedSearch(db: Database, userId: string, input: NewSavedSearch): Promise<SavedSearchRow> {
  const id = uuidv7();
  const values = insertValues(id, userId, input);
  const [, , rows] = await db.batch([
    db.execute(sql`select 1 from ${users} where id = ${userId}::uuid for no key update`),
    db.execute(sql`
      insert into ${savedSearches} (${sql.join(
        values.map(([column]) => sql.identifier(column)),
        sql`, `,
      )})
      select ${sql.join(
        values.map(([, value]) => value),
        sql`, `,
      )}
      where (select count(*) from ${savedSearches} where user_id = ${userId}::uuid) < ${MAX_SAVED_SEARCHES}`),
    db.select().from(savedSearches).where(eq(savedSearches.id, id)),
  ]);
  const row = rows[0];
  if (!row) {
    throw conflict(
      'SAVED_SEARCH_LIMIT',
      `A user can keep at most ${MAX_SAVED_SEARCHES} saved searches; delete one first.`,
    );
  }
  return row;
}

/** The user's saved searches, newest first (never more than MAX_SAVED_SEARCHES). */
export function listSavedSearches(db: Database, userId: string): Promise<SavedSearchRow[]> {
  return db
    .select()
    .from(savedSearches)
    .where(eq(savedSearches.userId, userId))
    .orderBy(desc(savedSearches.createdAt), desc(savedSearches.id))
    .limit(MAX_SAVED_SEARCHES);
}

const ownedBy = (userId: string, id: string) => and(eq(savedSearches.id, id), eq(savedSearches.userId, userId));

/** One saved search of this user; another user's is not found, like an unknown one. */
export async function getSavedSearch(db: Database, userId: string, id: string): Promise<SavedSearchRow> {
  const [row] = await db.select().from(savedSearches).where(ownedBy(userId, id));
  if (!row) throw notFoundError();
  return row;
}

/**
 * Changes what the patch names; a new query replaces the old one whole (typed columns too).
 * created_at stays: alert matching only considers events after it, whatever changes.
 */
export async function updateSavedSearch(
  db: Database,
  userId: string,
  id: string,
  patch: SavedSearchPatch,
): Promise<SavedSearchRow> {
  const set: Partial<typeof savedSearches.$inferInsert> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.query !== undefined) Object.assign(set, { query: patch.query.params }, filterColumns(patch.query.filters));
  if (patch.alerts !== undefined) set.alerts = normalizeAlerts(patch.alerts);
  if (patch.frequency !== undefined) set.frequency = patch.frequency;
  const [row] = await db.update(savedSearches).set(set).where(ownedBy(userId, id)).returning();
  if (!row) throw notFoundError();
  return row;
}

export async function deleteSavedSearch(db: Database, userId: string, id: string): Promise<void> {
  const deleted = await db.delete(savedSearches).where(ownedBy(userId, id)).returning({ id: savedSearches.id });
  if (deleted.length === 0) throw notFoundError();
}
