import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { runBatches } from './batches';
import { DIGEST_MAX_LISTINGS } from './limits';
import { type DigestFrequency, digestPeriodStart } from './period';

/** The notification kind of a digest: one email per user, frequency and period. */
export const ALERT_DIGEST_KIND = 'alert_digest';

export const digestKey = (userId: string, frequency: DigestFrequency, periodStart: string) =>
  `alert-digest:${userId}:${frequency}:${periodStart}`;

export interface DigestBatchOutcome {
  /** Digests created (= emails queued) by this batch. */
  digests: number;
  /** Matches attached to them. */
  matches: number;
  /** Users this batch looked at (it stops when a batch finds fewer than it asked for). */
  users: number;
}

/**
 * Sends the digests of up to `userLimit` users in ONE statement (everything commits or rolls
 * back together): users active, verified, with matches of searches of this frequency (see
 * digestTakes) neither
 * emailed nor digested, and no digest of this period yet. For each: the alert_digests row
 * (unique per user, frequency and period: a concurrent run of the same period conflicts and does
 * nothing), its matches attached, one email queued listing the newest DIGEST_MAX_LISTINGS
 * distinct listings (a listing several searches or events matched appears once, with its newest
 * event) and how many more, and the searches' last_alerted_at stamped (locked in id order).
 */
/**
 * The searches whose waiting matches a digest of `frequency` takes. A search switched from daily
 * or weekly to instant keeps the matches it had waiting (instant emails go at match time only),
 * so the next daily digest takes them; one switched off drops them.
 */
function digestTakes(frequency: DigestFrequency) {
  return frequency === 'daily' ? sql`('daily', 'instant')` : sql`('weekly')`;
}

export async function sendDigestBatch(
  db: Database,
  frequency: DigestFrequency,
  periodStart: string,
  userLimit: number,
): Promise<DigestBatchOutcome> {
  const result = await db.execute<{ digests: string | number; matches: string | number; users: string | number }>(sql`
    with due as (
      select distinct m.user_id
      from saved_search_matches m
      join saved_searches s on s.id = m.saved_search_id and s.frequency in ${digestTakes(frequency)}
      join users u on u.id = m.user_id and u.is_active and u.email_verified_at is not null
      where m.digest_id is null and m.notification_id is null
        and not exists (
          select 1 from alert_digests d
          where d.user_id = m.user_id and d.frequency = ${frequency} and d.period_start = ${periodStart}::date)
      order by m.user_id
      limit ${userLimit}
    ),
    pending as (
      select m.saved_search_id, m.event_id, m.user_id, m.property_id, e.kind, e.price, e.previous_price,
             e.created_at as event_at
      from saved_search_matches m
      join due using (user_id)
      join saved_searches s on s.id = m.saved_search_id and s.frequency in ${digestTakes(frequency)}
      join listing_events e on e.id = m.event_id
      where m.digest_id is null and m.notification_id is null
    ),
    per_listing as (
      select distinct on (user_id, property_id) user_id, property_id, kind, price, previous_price, event_at
      from pending
      order by user_id, property_id, event_at desc
    ),
    ranked as (
      select pl.*, row_number() over (partition by user_id order by event_at desc, property_id) as rank,
             count(*) over (partition by user_id) as total
      from per_listing pl
    ),
    digests as (
      insert into alert_digests (id, user_id, frequency, period_start, notification_id, listings)
      select gen_random_uuid(), user_id, ${frequency}, ${periodStart}::date, gen_random_uuid(), max(total)
      from ranked
      group by user_id
      on conflict (user_id, frequency, period_start) do nothing
      returning id, user_id, notification_id, listings
    ),
    attached as (
      update saved_search_matches m set digest_id = d.id
      from digests d, pending p
      where p.user_id = d.user_id and m.saved_search_id = p.saved_search_id and m.event_id = p.event_id
      returning m.saved_search_id
    ),
    queued as (
      insert into notification_queue (id, kind, recipient, payload, idempotency_key)
      select d.notification_id, ${ALERT_DIGEST_KIND}, u.email,
             jsonb_build_object(
               'name', u.name,
               'frequency', ${frequency}::text,
               'periodStart', ${periodStart}::text,
               'total', d.listings,
               'listings', (
                 select jsonb_agg(jsonb_build_object(
                   'title', p.title, 'slug', p.slug, 'currency', p.currency, 'kind', r.kind,
                   'price', r.price, 'previousPrice', r.previous_price) order by r.rank)
                 from ranked r join properties p on p.id = r.property_id
                 where r.user_id = d.user_id and r.rank <= ${DIGEST_MAX_LISTINGS}),
               'searches', (
                 select jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'query', s.query)
                   order by s.created_at, s.id)
                 from saved_searches s
                 where s.id in (select saved_search_id from pending pp where pp.user_id = d.user_id))),
             'alert-digest:' || d.user_id || ':' || ${frequency}::text || ':' || ${periodStart}::text
      from digests d
      join users u on u.id = d.user_id
      on conflict (idempotency_key) do nothing
      returning id
    ),
    alerted as (
      select id from saved_searches
      where id in (select saved_search_id from attached)
      order by id
      for update
    ),
    stamped as (
      update saved_searches set last_alerted_at = now()
      where id in (select id from alerted)
      returning id
    )
    select (select count(*) from queued) as digests,
           (select count(*) from attached) as matches,
           (select count(*) from due) as users,
           (select count(*) from stamped) as stamped`);
  const row = result.rows[0];
  return { digests: Number(row?.digests ?? 0), matches: Number(row?.matches ?? 0), users: Number(row?.users ?? 0) };
}

export interface DigestRunOutcome extends DigestBatchOutcome {
  periodStart: string;
  batches: number;
}

/** Every due user's digest of this period, batch by batch, within the time budget. */
export async function sendDigests(
  db: Database,
  frequency: DigestFrequency,
  options: { now?: Date; usersPerBatch?: number; budgetMs?: number; maxBatches?: number } = {},
): Promise<DigestRunOutcome> {
  const periodStart = digestPeriodStart(frequency, options.now ?? new Date());
  const usersPerBatch = options.usersPerBatch ?? 500;
  const total = await runBatches(
    { digests: 0, matches: 0, users: 0 },
    () => sendDigestBatch(db, frequency, periodStart, usersPerBatch),
    (batch) => batch.users < usersPerBatch,
    { budgetMs: options.budgetMs ?? 10 * 60_000, maxBatches: options.maxBatches ?? 1000 },
  );
  return { periodStart, ...total };
}
