import { and, inArray, ne } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { savedSearches } from '../../db/schema';
import { badRequest } from '../../lib/errors';
import { isUuid } from '../../lib/uuid';
import { readUnsubscribeToken } from './unsubscribe-token';

/**
 * Turns the alerts of the token's saved searches off (one, or a digest's). Idempotent; a token
 * of searches deleted since is accepted too (nothing is left to alert), and tells nothing about
 * whether they exist.
 */
export async function unsubscribeSavedSearch(db: Database, secret: string, token: string): Promise<void> {
  const ids = await readUnsubscribeToken(secret, token);
  if (ids === null || !ids.every(isUuid)) {
    throw badRequest('INVALID_UNSUBSCRIBE_TOKEN', 'This unsubscribe link is not valid (altered, or not one of ours).');
  }
  await db
    .update(savedSearches)
    .set({ frequency: 'off' })
    .where(and(inArray(savedSearches.id, ids), ne(savedSearches.frequency, 'off')));
}
