import { decodeCursor, encodeCursor } from '../../lib/cursor';
import { ApiError } from '../../lib/errors';

/**
 * The one-click unsubscribe token of an alert email: the saved search's id, signed. It needs no
 * login and does not expire (an old email's link keeps working); it can only turn that one
 * search's alerts off. Signed with the cursor scheme under its own scope, so no cursor or other
 * signed value can pass for it.
 */
const SCOPE = 'alerts/unsubscribe/v1';

interface UnsubscribePayload {
  s: string;
}

export function createUnsubscribeToken(secret: string, savedSearchId: string): Promise<string> {
  return encodeCursor(secret, { s: savedSearchId } satisfies UnsubscribePayload, { scope: SCOPE });
}

/** The saved search id the token was issued for; null for anything this server did not sign. */
export async function readUnsubscribeToken(secret: string, token: string): Promise<string | null> {
  try {
    const payload = await decodeCursor<UnsubscribePayload>(secret, token, { scope: SCOPE });
    return typeof payload?.s === 'string' ? payload.s : null;
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
}
