import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import { notificationQueue } from '../../db/schema';

/** The kinds of email the product sends; each has a template in services/notifications. */
export type NotificationKind =
  | 'account_locked'
  | 'inquiry_received'
  | 'inquiry_acknowledgement'
  | 'inquiry_assigned'
  | 'ops_alert'
  | 'ops_alert_resolved'
  | 'password_reset'
  | 'email_verification'
  // Saved-search alerts (services/alerts): queued by the matching and digest statements.
  | 'listing_alert'
  | 'alert_digest';

export interface NotificationInput {
  kind: NotificationKind;
  recipient: string;
  payload: Record<string, unknown>;
  /** Stable per logical email: a retried request never queues the same email twice. */
  idempotencyKey: string;
}

/** The insert for queue rows, unexecuted, so it can join the caller's batch (one transaction). */
export function notificationsInsert(db: Database, rows: NotificationInput[]) {
  return db
    .insert(notificationQueue)
    .values(rows.map((r) => ({ id: uuidv7(), ...r })))
    .onConflictDoNothing({ target: notificationQueue.idempotencyKey });
}
