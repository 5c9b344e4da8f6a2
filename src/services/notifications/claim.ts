import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { isUuid } from '../../lib/uuid';

export interface ClaimedNotification {
  id: string;
  kind: string;
  recipient: string;
  payload: Record<string, unknown>;
  /** Including this attempt. */
  attempts: number;
  idempotencyKey: string;
}

export interface ClaimOptions {
  workerId: string;
  limit: number;
  leaseSeconds: number;
  /** Only these rows (the ones a request just queued); otherwise any due row. */
  ids?: string[];
}

/**
 * Takes up to `limit` due rows in ONE statement: pending rows whose time has come, and rows
 * still 'sending' whose lease has run out (their worker died). SKIP LOCKED lets concurrent
 * drainers take disjoint rows instead of waiting on each other.
 */
export async function claimNotifications(db: Database, options: ClaimOptions): Promise<ClaimedNotification[]> {
  const ids = options.ids?.filter(isUuid);
  if (ids && ids.length === 0) return [];
  const onlyIds = ids ? sql`and id = any(${`{${ids.join(',')}}`}::uuid[])` : sql``;
  const result = await db.execute<{
    id: string;
    kind: string;
    recipient: string;
    payload: Record<string, unknown> | string;
    attempts: number | string;
    idempotency_key: string;
  }>(sql`
    update notification_queue q
    set status = 'sending',
        lease_until = now() + make_interval(secs => ${options.leaseSeconds}),
        leased_by = ${options.workerId},
        attempts = q.attempts + 1
    where q.id in (
      select id from notification_queue
      where ((status = 'pending' and next_attempt_at <= now()) or (status = 'sending' and lease_until < now()))
        ${onlyIds}
      order by next_attempt_at
      limit ${options.limit}
      for update skip locked
    )
    returning q.id, q.kind, q.recipient, q.payload, q.attempts, q.idempotency_key`);
  return result.rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    recipient: row.recipient,
    payload: typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload,
    attempts: Number(row.attempts),
    idempotencyKey: row.idempotency_key,
  }));
}
