import { asc, desc, inArray, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { propertyPriceHistory } from '../../db/schema';
import type { PriceHistoryRow } from './serialize';

/**
 * How many entries a listing's `priceHistory` shows at most: its original list price and the
 * latest changes (PRICE_HISTORY_MAX - 1 of them). The table keeps every change; the response
 * stays bounded however often a price moves.
 */
export const PRICE_HISTORY_MAX = 50;

const h = propertyPriceHistory;
const columns = { id: h.id, price: h.price, changedAt: h.changedAt };

/**
 * The two reads of the price history of the listing `listingIds` selects (a subquery of at most
 * one id): its first entry, and its latest PRICE_HISTORY_MAX - 1 newest first. Each is a bounded
 * scan of the (property_id, changed_at, id) index, however long the history.
 */
export function priceHistoryQueries(db: Database, listingIds: SQL) {
  const ofListing = inArray(h.propertyId, listingIds);
  return [
    db.select(columns).from(h).where(ofListing).orderBy(asc(h.changedAt), asc(h.id)).limit(1),
    db
      .select(columns)
      .from(h)
      .where(ofListing)
      .orderBy(desc(h.changedAt), desc(h.id))
      .limit(PRICE_HISTORY_MAX - 1),
  ] as const;
}

type Entry = PriceHistoryRow & { id: number };

/** The history oldest first: the first entry, then the latest ones (without it again). */
export function mergePriceHistory(first: Entry[], latestFirst: Entry[]): PriceHistoryRow[] {
  const latest = latestFirst.filter((entry) => entry.id !== first[0]?.id).reverse();
  return [...first, ...latest].map(({ price, changedAt }) => ({ price, changedAt }));
}
