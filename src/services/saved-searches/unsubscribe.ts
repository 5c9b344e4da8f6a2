import { and, eq, ne } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { savedSearches } from '../../db/schema';
import { badRequest } from '../../lib/errors';
import { isUuid } from '../../lib/uuid';
import { readUnsubscribeToken } from './unsubscribe-token';

/**
 * Turns the alerts of the token's saved search off. Idempotent; a token of a search deleted
 * since is accepted too (nothing is left to alert), and tells nothing about whether it exists.
 */
export async function unsubscribeSavedSearch(db: Database, secret: string, token: string): Promise<void> {
  const id = await readUnsubscribeToken(secret, token);
  if (id === null || !isUuid(id)) {
    throw badRequest('INVALID_UNSUBSCRIBE_TOKEN', 'This unsubscribe link is not valid (altered, or not one of ours).');
  }
  await db
    .update(savedSearches)
    .set({ frequency: 'off' })
    .where(and(eq(savedSearches.id, id), ne(savedSearches.frequency, 'off')));
}
