import { and, eq, ne, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { newestFirst } from '../../db/newest-first';
import { favorites, properties, propertyImages } from '../../db/schema';
import { conflict, notFound } from '../../lib/errors';
import { coverColumns, summaryColumns } from '../listings/columns';
import { coverOf, type ImageBaseUrl, type PropertySummaryView, summaryView } from '../listings/serialize';

/** Favourites one account may keep: bounds the table and every visitor's list. */
export const MAX_FAVORITES_PER_USER = 500;

/**
 * Favourites `propertyId` for `userId`: idempotent (a favourite kept keeps its first time). Any
 * listing the public detail shows may be favourited (every status but draft); a draft or an
 * unknown id is a 404. Concurrent calls of one user take turns (an advisory lock per user), so
 * the count checked against MAX_FAVORITES_PER_USER is exact; both statements run in one
 * transaction.
 */
export async function addFavorite(db: Database, userId: string, propertyId: string): Promise<void> {
  const [, result] = await db.batch([
    db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`favorites:${userId}`}, 0))`),
    db.execute<{ outcome: 'not_found' | 'kept' | 'full' }>(sql`
      with listing as (
        select id from properties where id = ${propertyId} and status <> 'draft'
      ),
      already as (
        select 1 from favorites where user_id = ${userId} and property_id = ${propertyId}
      ),
      added as (
        insert into favorites (user_id, property_id)
        select ${userId}, id from listing
        where not exists (select 1 from already)
          and (select count(*) from favorites where user_id = ${userId}) < ${MAX_FAVORITES_PER_USER}
        on conflict (user_id, property_id) do nothing
        returning 1
      )
      select case
        when not exists (select 1 from listing) then 'not_found'
        when exists (select 1 from added) or exists (select 1 from already) then 'kept'
        else 'full' end as outcome`),
  ]);
  const outcome = result.rows[0]?.outcome;
  if (outcome === 'not_found') throw notFound('PROPERTY_NOT_FOUND', 'No published listing has this id.');
  if (outcome === 'full') {
    throw conflict(
      'FAVORITES_LIMIT_REACHED',
      `An account keeps at most ${MAX_FAVORITES_PER_USER} favourites; remove one before adding another.`,
    );
  }
}

/** Removes a favourite; nothing to remove is fine (idempotent). */
export async function removeFavorite(db: Database, userId: string, propertyId: string): Promise<void> {
  await db.delete(favorites).where(and(eq(favorites.userId, userId), eq(favorites.propertyId, propertyId)));
}

export type FavoriteView = PropertySummaryView & { favoritedAt: string };

export interface FavoritesPage {
  data: FavoriteView[];
  nextCursor: string | null;
}

/**
 * The caller's favourites, most recently favourited first, each with its listing's summary as
 * it is now: a listing sold, rented or taken off the market stays listed with that status (a
 * deleted one is gone with its favourite). Drafts never show. The cursor is bound to the user.
 */
export async function listFavorites(
  db: Database,
  userId: string,
  page: { limit: number; cursor?: string | undefined },
  options: { cursorSecret: string; imageBaseUrl: ImageBaseUrl },
): Promise<FavoritesPage> {
  const keyset = newestFirst(options.cursorSecret, `favorites:${userId}`, {
    time: favorites.createdAt,
    id: favorites.propertyId,
  });
  const conditions: SQL[] = [eq(favorites.userId, userId), ne(properties.status, 'draft')];
  if (page.cursor) conditions.push(await keyset.after(page.cursor));
  const rows = await db
    .select({
      ...summaryColumns,
      ...coverColumns,
      favoritedAt: favorites.createdAt,
      favoritedAtExact: sql<string>`${favorites.createdAt}::text`,
    })
    .from(favorites)
    .innerJoin(properties, eq(properties.id, favorites.propertyId))
    .leftJoin(propertyImages, and(eq(propertyImages.propertyId, properties.id), sql`${propertyImages.isCover}`))
    .where(and(...conditions))
    .orderBy(keyset.orderBy)
    .limit(page.limit + 1);
  const { page: shown, nextCursor } = await keyset.page(rows, page.limit, (r) => r.favoritedAtExact);
  return {
    data: shown.map((row) => ({
      ...summaryView(row, coverOf(row), options.imageBaseUrl),
      favoritedAt: row.favoritedAt.toISOString(),
    })),
    nextCursor,
  };
}
