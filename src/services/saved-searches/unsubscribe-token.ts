import { decodeCursor, encodeCursor } from '../../lib/cursor';
import { ApiError } from '../../lib/errors';

/**
 * The one-click unsubscribe token of an alert email: the ids of the saved searches the email is
 * about (one for an instant alert, every search of a digest: RFC 8058 allows one one-click URL
 * per email), signed. It needs no login and does not expire (an old email's link keeps working);
 * it can only turn those searches' alerts off. Signed with the cursor scheme under its own scope, so no cursor or other
 * signed value can pass for it.
 */
const SCOPE = 'alerts/unsubscribe/v1';

/** One id, or several (a digest's). */
interface UnsubscribePayload {
  s: string | string[];
}

export function createUnsubscribeToken(secret: string, savedSearchIds: string | string[]): Promise<string> {
  const ids = typeof savedSearchIds === 'string' ? savedSearchIds : [...new Set(savedSearchIds)];
  return encodeCursor(secret, { s: ids } satisfies UnsubscribePayload, { scope: SCOPE });
}

/** The saved search ids the token was issued for; null for anything this server did not sign. */
export async function readUnsubscribeToken(secret: string, token: string): Promise<string[] | null> {
  try {
    const payload = await decodeCursor<UnsubscribePayload>(secret, token, { scope: SCOPE });
    const ids = typeof payload?.s === 'string' ? [payload.s] : payload?.s;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) return null;
    return ids;
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
}
