import { type AnyColumn, and, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { properties, propertyImages } from '../../db/schema';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor';
import { isUuid } from '../../lib/uuid';
import { coverColumns, summaryColumns } from './columns';
import {
  canonicalFilters,
  distanceSql,
  filterConditions,
  rankSql,
  type SearchFilters,
  type SearchSort,
  textMatch,
  type Visibility,
  whereOf,
} from './filters';
import { coverOf, type ImageBaseUrl, type PropertySummaryView, summaryView } from './serialize';

export interface SearchRequest {
  filters: SearchFilters;
  sort: SearchSort;
  limit: number;
  visibility: Visibility;
}

/** The sort key of the last row of a page: [value, id]. */
type Position = [string | number, string];

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
  if (typeof id !== 'string' || !isUuid(id)) throw invalidCursor();
  if (req.sort === 'newest' ? typeof value !== 'string' : typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidCursor();
  }
  return [value as string | number, id];
}

/** Sorts a btree index hands over in order (public search has a partial index for each). */
const INDEXED_SORTS: ReadonlySet<SearchSort> = new Set(['newest', 'price_asc', 'price_desc']);

/**
 * How many rows, in sort order, a public full-text search reads before it asks the GIN index
 * for every match instead. Walking the sort's index finds a common word's first page within a
 * few dozen rows; a rare word, a phrase or a word nothing contains would make it walk the
 * whole catalogue (the planner cannot tell them apart: tsvector statistics know only frequent
 * lexemes and treat the words of a phrase as independent). Either way the cost stays bounded:
 * at most this many rows, then the matches of a word that rare (about limit / window of them).
 */
export const FULL_TEXT_WINDOW = 2000;

function orderOf(req: SearchRequest, key: SQL | AnyColumn, id: SQL | AnyColumn): SQL {
  // properties_public_newest_idx is (created_at DESC NULLS LAST, id DESC NULLS LAST); plain DESC
  // means NULLS FIRST and would not match it (the columns are NOT NULL, so results are the same).
  const direction = sql.raw(req.sort === 'newest' ? 'desc nulls last' : descending(req.sort) ? 'desc' : 'asc');
  return sql`${key} ${direction}, ${id} ${direction}`;
}

function conditionsOf(req: SearchRequest, position: Position | null, filters = req.filters): SQL[] {
  const conditions = filterConditions(filters, req.visibility);
  if (position) conditions.push(afterPosition(req, position));
  return conditions;
}

/** The page's ids (limit + 1 of them, as an array), sorted out of every match. */
function sortedIds(req: SearchRequest, position: Position | null): SQL {
  const where = whereOf(conditionsOf(req, position)) ?? sql`true`;
  return sql`array(select ${properties.id} from ${properties} where ${where}
    order by ${orderOf(req, sortKey(req), properties.id)} limit ${req.limit + 1})`;
}

/**
 * The page's ids for a public full-text search in an indexed order. The first limit + 1 matches
 * among the first FULL_TEXT_WINDOW rows in sort order are the page when there are that many;
 * otherwise every match comes from the public listings' GIN index (OFFSET 0 keeps the planner
 * from walking the sort's index again) and the page is sorted out of them. The window's OFFSET 0 keeps its
 * array from being inlined (and computed) twice; the cast makes `= any(...)` read the whole
 * subquery as one array value.
 */
function fullTextWindowIds(req: SearchRequest, position: Position | null, q: string): SQL {
  const key = sortKey(req);
  const rows = req.limit + 1;
  const matching = whereOf(conditionsOf(req, position)) ?? sql`true`;
  const inWindow = whereOf(conditionsOf(req, position, { ...req.filters, q: undefined })) ?? sql`true`;
  return sql`(select case when cardinality(recent.ids) = ${rows}::int then recent.ids else array(
      select m.id from (select ${properties.id} as id, ${key} as k from ${properties} where ${matching} offset 0) m
      order by ${orderOf(req, sql.raw('m.k'), sql.raw('m.id'))} limit ${rows}) end
    from (select array(
      select w.id from (select ${properties.id} as id, ${properties.search} as search, ${key} as k from ${properties}
        where ${inWindow} order by ${orderOf(req, key, properties.id)} limit ${FULL_TEXT_WINDOW}) w
      where ${textMatch(q, sql.raw('w.search'))}
      order by ${orderOf(req, sql.raw('w.k'), sql.raw('w.id'))} limit ${rows}) as ids offset 0) recent)::uuid[]`;
}

/**
 * The page query, unexecuted: exported so the EXPLAIN test can plan exactly what the API runs.
 * Summaries join only the cover image (the partial unique index on is_cover serves it).
 */
export function searchQuery(db: Database, req: SearchRequest, position: Position | null) {
  const key = sortKey(req);
  const query = db
    .select({
      ...summaryColumns,
      // Full precision (microseconds) for the cursor; a JS Date would lose it.
      sortValue: req.sort === 'newest' ? sql<string>`${properties.createdAt}::text` : sql<number>`${key}`,
      distanceKm: req.filters.near ? distanceSql(req.filters.near) : sql<null>`null::float8`,
      ...coverColumns,
    })
    .from(properties)
    .leftJoin(
      propertyImages,
      and(sql`${propertyImages.propertyId} = ${properties.id}`, sql`${propertyImages.isCover}`),
    );
  const { q } = req.filters;
  if (q === undefined && INDEXED_SORTS.has(req.sort)) {
    // The index walk stops after the page's rows, so covers are joined to those only.
    return query
      .where(whereOf(conditionsOf(req, position)))
      .orderBy(orderOf(req, key, properties.id))
      .limit(req.limit + 1);
  }
  // A plan that sorts its matches (relevance, distance, a GIN bitmap) would join covers to every
  // one of them: the page's ids are picked first.
  const ids =
    q !== undefined && req.visibility === 'public' && INDEXED_SORTS.has(req.sort)
      ? fullTextWindowIds(req, position, q)
      : sortedIds(req, position);
  return query.where(sql`${properties.id} = any(${ids})`).orderBy(orderOf(req, key, properties.id));
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
      summaryView(row, coverOf(row), options.imageBaseUrl, {
        distanceKm: row.distanceKm === null ? null : Number(row.distanceKm),
      }),
    ),
    nextCursor,
  };
}
