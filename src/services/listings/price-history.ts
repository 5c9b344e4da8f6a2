import { asc, desc, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { propertyPriceHistory } from '../../db/schema';

/**
 * How many entries a listing's `priceHistory` shows at most: its original list price and the
 * latest changes (PRICE_HISTORY_MAX - 1 of them). The table keeps every change; the response
 * stays bounded however often a price moves.
 */
export const PRICE_HISTORY_MAX = 50;

const h = propertyPriceHistory;

/**
 * The price history of the listing(s) `listingIds` selects (a subquery of at most one id),
 * oldest first: the first entry and the latest PRICE_HISTORY_MAX - 1, each read from the
 * (property_id, changed_at, id) index by a bounded scan.
 */
export function priceHistoryQuery(db: Database, listingIds: SQL) {
  const ofListing = inArray(h.propertyId, listingIds);
  const first = db.select({ id: h.id }).from(h).where(ofListing).orderBy(asc(h.changedAt), asc(h.id)).limit(1);
  const latest = db
    .select({ id: h.id })
    .from(h)
    .where(ofListing)
    .orderBy(desc(h.changedAt), desc(h.id))
    .limit(PRICE_HISTORY_MAX - 1);
  return db
    .select({ price: h.price, changedAt: h.changedAt })
    .from(h)
    .where(or(sql`${h.id} = (${first})`, inArray(h.id, latest)))
    .orderBy(asc(h.changedAt), asc(h.id));
}
