import { sql } from 'drizzle-orm';

/**
 * How last_error begins on a row the drain chose not to send (status 'dead': final, no retry).
 * Such a row is no failure: the dead-email alert ignores it, and retention prunes it like a
 * sent one instead of keeping it for inspection.
 */
export const SKIPPED_PREFIX = 'skipped: ';

/** True for a notification_queue row ended as skipped (status 'dead', last_error `skipped: …`). */
export const isSkipped = sql`(status = 'dead' and starts_with(coalesce(last_error, ''), ${SKIPPED_PREFIX}))`;
