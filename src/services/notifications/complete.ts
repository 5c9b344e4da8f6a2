import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

export interface RetryPolicy {
  maxAttempts: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

/**
 * Marks a claimed row sent. Guarded by the lease holder: if our lease ran out and another
 * worker took the row, its outcome wins (the provider's idempotency key kept it one email).
 * last_error is kept as the history of the failures before this success.
 */
export async function markSent(db: Database, id: string, workerId: string): Promise<boolean> {
  const result = await db.execute(sql`
    update notification_queue
    set status = 'sent', sent_at = now(), lease_until = null, leased_by = null
    where id = ${id} and status = 'sending' and leased_by = ${workerId}
    returning id`);
  return result.rows.length > 0;
}

/**
 * Records a failed attempt: back to 'pending' after an exponential, capped, jittered delay,
 * or 'dead' once the attempts are used up (or the failure is permanent).
 */
export async function markFailed(
  db: Database,
  id: string,
  workerId: string,
  error: string,
  retryable: boolean,
  policy: RetryPolicy,
): Promise<'pending' | 'dead' | 'lost'> {
  const result = await db.execute<{ status: 'pending' | 'dead' }>(sql`
    update notification_queue
    set status = (case when attempts >= ${policy.maxAttempts} or not ${retryable}::boolean
                   then 'dead' else 'pending' end)::notification_status,
        next_attempt_at = now() + make_interval(secs => least(
          ${policy.backoffMaxSeconds}::double precision,
          ${policy.backoffBaseSeconds} * power(2, greatest(attempts - 1, 0)) * (0.9 + random() * 0.2))),
        lease_until = null,
        leased_by = null,
        last_error = ${error.slice(0, 1000)}
    where id = ${id} and status = 'sending' and leased_by = ${workerId}
    returning status`);
  return result.rows[0]?.status ?? 'lost';
}
