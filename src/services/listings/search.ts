import { type AnyColumn, and, asc, desc, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { properties, propertyImages } from '../../db/schema';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor';
import { summaryColumns } from './columns';
import {
  canonicalFilters,
  distanceSql,
  filterConditions,
  rankSql,
  type SearchFilters,
  type SearchSort,
  type Visibility,
  whereOf,
} from './filters';
import { type ImageBaseUrl, type PropertySummaryView, summaryView } from './serialize';

export interface SearchRequest {
  filters: SearchFilters;
  sort: SearchSort;
  limit: number;
  visibility: Visibility;
}

/** The sort key of the last row of a page: [value, id]. */
type Position = [string | number, string];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sortKey(req: SearchRequest): SQL {
  switch (req.sort) {
    case 'price_asc':
    case 'price_desc':
      return sql`${properties.price}`;
    case 'relevance':
      return rankSql(req.filters.q ?? '');
    case 'distance':
      if (!req.filters.near) throw new Error('distance sort needs near');
      return distanceSql(req.filters.near);
    default:
      return sql`${properties.createdAt}`;
  }
}

const descending = (sort: SearchSort) => sort !== 'price_asc' && sort !== 'distance';

/** Rows strictly after `position` in the sort order; a row comparison the btree can seek to. */
function afterPosition(req: SearchRequest, position: Position): SQL {
  const [value, id] = position;
  const op = descending(req.sort) ? sql.raw('<') : sql.raw('>');
  let typed: SQL;
  if (req.sort === 'newest') typed = sql`${String(value)}::timestamptz`;
  else if (req.sort === 'price_asc' || req.sort === 'price_desc') typed = sql`${Number(value)}::bigint`;
  else typed = sql`${Number(value)}::float8`;
  return sql`(${sortKey(req)}, ${properties.id}) ${op} (${typed}, ${id}::uuid)`;
}

function validPosition(req: SearchRequest, payload: unknown): Position {
  if (!Array.isArray(payload) || payload.length !== 2) throw invalidCursor();
  const [value, id] = payload as unknown[];
  if (typeof id !== 'string' || !UUID.test(id)) throw invalidCursor();
  if (req.sort === 'newest' ? typeof value !== 'string' : typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidCursor();
  }
  return [value as string | number, id];
}

/**
 * The page query, unexecuted: exported so the EXPLAIN test can plan exactly what the API runs.
 * Summaries join only the cover image (the partial unique index on is_cover serves it).
 */
export function searchQuery(db: Database, req: SearchRequest, position: Position | null) {
  const key = sortKey(req);
  const conditions = filterConditions(req.filters, req.visibility);
  if (position) conditions.push(afterPosition(req, position));
  // properties_public_newest_idx is (created_at DESC NULLS LAST, id DESC NULLS LAST); plain DESC
  // means NULLS FIRST and would not match it (the columns are NOT NULL, so results are the same).
  const direction =
    req.sort === 'newest'
      ? (column: SQL | AnyColumn) => sql`${column} desc nulls last`
      : descending(req.sort)
        ? desc
        : asc;
  return db
    .select({
      ...summaryColumns,
      // Full precision (microseconds) for the cursor; a JS Date would lose it.
      sortValue: req.sort === 'newest' ? sql<string>`${properties.createdAt}::text` : sql<number>`${key}`,
      distanceKm: req.filters.near ? distanceSql(req.filters.near) : sql<null>`null::float8`,
      coverId: propertyImages.id,
      coverAltText: propertyImages.altText,
      coverWidth: propertyImages.width,
      coverHeight: propertyImages.height,
    })
    .from(properties)
    .leftJoin(propertyImages, and(sql`${propertyImages.propertyId} = ${properties.id}`, sql`${propertyImages.isCover}`))
    .where(whereOf(conditions))
    .orderBy(direction(key), direction(properties.id))
    .limit(req.limit + 1);
}

export interface SearchOptions {
  cursor?: string;
  cursorSecret: string;
  imageBaseUrl: ImageBaseUrl;
}

export interface SearchPage {
  data: PropertySummaryView[];
  nextCursor: string | null;
}

function cursorScope(req: SearchRequest): string {
  return `properties:${req.visibility}:${req.sort}:${canonicalFilters(req.filters)}`;
}

export async function searchListings(db: Database, req: SearchRequest, options: SearchOptions): Promise<SearchPage> {
  const scope = cursorScope(req);
  const position = options.cursor
    ? validPosition(req, await decodeCursor(options.cursorSecret, options.cursor, { scope }))
    : null;
  const rows = await searchQuery(db, req, position);
  const page = rows.slice(0, req.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > req.limit && last
      ? await encodeCursor(
          options.cursorSecret,
          [req.sort === 'newest' ? String(last.sortValue) : Number(last.sortValue), last.id],
          { scope },
        )
      : null;
  return {
    data: page.map((row) =>
      summaryView(
        row,
        row.coverId
          ? {
              id: row.coverId,
              altText: row.coverAltText ?? '',
              width: row.coverWidth ?? 0,
              height: row.coverHeight ?? 0,
              sortOrder: 0,
              isCover: true,
            }
          : null,
        options.imageBaseUrl,
        { distanceKm: row.distanceKm === null ? null : Number(row.distanceKm) },
      ),
    ),
    nextCursor,
  };
}
