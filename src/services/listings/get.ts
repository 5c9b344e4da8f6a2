import { and, asc, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { properties, propertyImages } from '../../db/schema';
import { canonicalCacheUrl } from '../../lib/http-cache';
import { isUuid } from '../../lib/uuid';
import { detailColumns, imageColumns } from './columns';
import type { Visibility } from './filters';
import { mergePriceHistory, priceHistoryQueries } from './price-history';
import type { DetailRow, ImageRow, PriceHistoryRow } from './serialize';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface ListingWithImages {
  row: DetailRow;
  images: ImageRow[];
  priceHistory: PriceHistoryRow[];
}

/**
 * The one spelling of a listing's id or slug (both are lower case), or null when it can be
 * neither: what the lookup and the cache key both use.
 */
export function canonicalIdOrSlug(idOrSlug: string): string | null {
  const lower = idOrSlug.toLowerCase();
  return isUuid(lower) || (lower.length <= 120 && SLUG.test(lower)) ? lower : null;
}

function identify(idOrSlug: string): SQL | null {
  const key = canonicalIdOrSlug(idOrSlug);
  if (key === null) return null;
  return isUuid(key) ? eq(properties.id, key) : eq(properties.slug, key);
}

/** The canonical cache URLs of a listing's public page: one by id, one by slug. */
export function listingPageUrls(origin: string, listing: { id: string; slug: string }): string[] {
  return [listing.id, listing.slug].map((key) => listingPageUrl(origin, key));
}

/** The canonical cache URL of a listing page asked for by id or slug (already canonical). */
export function listingPageUrl(origin: string, idOrSlug: string): string {
  return canonicalCacheUrl(origin, `/v1/properties/${idOrSlug}`);
}

/** The queries of a listing page, unexecuted (exported for the EXPLAIN test). */
export function findListingQueries(db: Database, idOrSlug: string, visibility: Visibility) {
  const match = identify(idOrSlug) ?? sql`false`;
  const where = visibility === 'public' ? and(match, ne(properties.status, 'draft')) : match;
  const listingId = sql`(${db.select({ id: properties.id }).from(properties).where(where)})`;
  return [
    db.select(detailColumns).from(properties).where(where).limit(1),
    db
      .select(imageColumns)
      .from(propertyImages)
      .where(inArray(propertyImages.propertyId, db.select({ id: properties.id }).from(properties).where(where)))
      .orderBy(asc(propertyImages.sortOrder)),
    ...priceHistoryQueries(db, listingId),
  ] as const;
}

/**
 * A listing, its ordered images and its price history in one round trip (one batch). The
 * public never sees drafts; admins see everything.
 */
export async function findListing(
  db: Database,
  idOrSlug: string,
  visibility: Visibility,
): Promise<ListingWithImages | null> {
  if (!identify(idOrSlug)) return null;
  const [rows, images, firstPrice, latestPrices] = await db.batch(findListingQueries(db, idOrSlug, visibility));
  const row = rows[0];
  return row ? { row, images, priceHistory: mergePriceHistory(firstPrice, latestPrices) } : null;
}

/** The images of a listing in display order. */
export function listingImages(db: Database, propertyId: string): Promise<ImageRow[]> {
  return db
    .select(imageColumns)
    .from(propertyImages)
    .where(eq(propertyImages.propertyId, propertyId))
    .orderBy(asc(propertyImages.sortOrder));
}
