import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { ClaimedNotification } from '../notifications/claim';
import { SKIPPED_PREFIX } from '../notifications/skipped';
import { ALERT_DIGEST_KIND } from './digest';
import { LISTING_ALERT_KIND } from './match';

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/**
 * Ends, without sending, the claimed alert emails nobody wants any more. Minutes (or, after
 * retries, hours) pass between an alert's queueing and its sending, and meanwhile the user may
 * have unsubscribed, deleted the search or been disabled. An instant alert is skipped when its
 * search is gone or `off`, no longer alerts the event's kind, or its user is inactive or
 * unverified; a digest when its user is inactive or unverified or none of its searches still
 * alerts. One statement per batch, guarded by our lease like markSent and markFailed; the rows
 * end 'dead' with last_error `skipped: <why>`. Returns the skipped rows' ids with the reason.
 */
export async function skipUnwantedAlerts(
  db: Database,
  rows: ClaimedNotification[],
  workerId: string,
): Promise<Map<string, string>> {
  const ids = rows.filter((r) => r.kind === LISTING_ALERT_KIND || r.kind === ALERT_DIGEST_KIND).map((r) => r.id);
  if (ids.length === 0) return new Map();
  const result = await db.execute<{ id: string; last_error: string }>(sql`
    with claimed as (
      select q.id, q.kind, q.payload,
             case when q.kind = ${LISTING_ALERT_KIND} then array[q.payload->>'searchId']
               else array(select s->>'id' from jsonb_array_elements(
                 case when jsonb_typeof(q.payload->'searches') = 'array' then q.payload->'searches' else '[]'::jsonb end) s)
             end as search_ids
      from notification_queue q
      where q.id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)
        and q.status = 'sending' and q.leased_by = ${workerId}
    ),
    verdicts as (
      select c.id, (
        select case
          when count(s.id) = 0 then 'saved search deleted'
          when not bool_and(u.is_active) then 'user no longer active'
          when bool_or(u.email_verified_at is null) then 'email address not verified'
          when not bool_or(s.frequency <> 'off') then 'alerts turned off'
          when c.kind = ${LISTING_ALERT_KIND} and not bool_or(c.payload->>'kind' = any(s.alerts::text[]))
            then 'alert kind no longer wanted'
        end
        from saved_searches s join users u on u.id = s.user_id
        where s.id = any(array(select x::uuid from unnest(c.search_ids) x where x ~* ${UUID}))
      ) as reason
      from claimed c
    )
    update notification_queue q
    set status = 'dead', lease_until = null, leased_by = null, last_error = ${SKIPPED_PREFIX} || v.reason
    from verdicts v
    where q.id = v.id and v.reason is not null and q.status = 'sending' and q.leased_by = ${workerId}
    returning q.id, q.last_error`);
  return new Map(result.rows.map((r) => [r.id, r.last_error]));
}
