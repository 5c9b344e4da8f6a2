import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

export interface RetryPolicy {
  maxAttempts: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

/**
 * Marks claimed rows sent, in one statement; returns the ids it marked. A sent email's `token`
 * (a password reset or verification link's) leaves the row with it: the database keeps only
 * its hash. Guarded by the lease
 * holder: if our lease ran out and another worker took a row, its outcome wins (the provider's
 * idempotency key kept it one email). last_error is kept as the history of earlier failures.
 */
export async function markSent(db: Database, ids: string[], workerId: string): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const result = await db.execute<{ id: string }>(sql`
    update notification_queue
    set status = 'sent', sent_at = now(), lease_until = null, leased_by = null, payload = payload - 'token'
    where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)
      and status = 'sending' and leased_by = ${workerId}
    returning id`);
  return new Set(result.rows.map((r) => r.id));
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
        -- An email that will never be sent needs its token no more than a sent one.
        payload = case when attempts >= ${policy.maxAttempts} or not ${retryable}::boolean
                  then payload - 'token' else payload end,
        last_error = ${error.slice(0, 1000)}
    where id = ${id} and status = 'sending' and leased_by = ${workerId}
    returning status`);
  return result.rows[0]?.status ?? 'lost';
}
