import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { ListingAlertKind } from '../../db/enums';
import { listingEvents, notificationQueue, properties, savedSearches, users } from '../../db/schema';
import { runBatches } from './batches';
import { candidateSearches, savedSearchMatchesListing } from './match-predicate';

/** The notification kind of an instant alert: one email per saved search and listing event. */
export const LISTING_ALERT_KIND = 'listing_alert';

export interface MatchBatchOutcome {
  /** Events fanned out (marked matched) by this batch. */
  events: number;
  /** New saved_search_matches rows. */
  matches: number;
  /** Instant alert emails queued. */
  emails: number;
}

/** The idempotency key of an instant alert: one per (saved search, event), whoever queues it. */
export const instantAlertKey = (searchId: string, eventId: string) => `listing-alert:${searchId}:${eventId}`;

/**
 * Fans out up to `limit` unmatched listing events in ONE statement, so everything below commits
 * or rolls back together:
 * - claims the oldest unmatched events (FOR UPDATE SKIP LOCKED: concurrent runs take disjoint ones);
 * - joins them with their listing and every saved search they match (savedSearchMatchesListing)
 *   that alerts this kind, is not off, existed before the event and belongs to an active user
 *   with a verified address;
 * - records the matches (the primary key (search, event) with ON CONFLICT DO NOTHING: a match
 *   is recorded once, ever; the claimed events had none, so every hit is new);
 * - queues one email per new instant match, keyed by (search, event);
 * - stamps those searches' last_alerted_at (locking them in id order, so two runs cannot
 *   deadlock) and marks the events matched.
 * A run that dies before its commit leaves the events unmatched for the next run.
 */
export async function matchListingEventsBatch(db: Database, limit: number): Promise<MatchBatchOutcome> {
  const result = await db.execute<{ events: string | number; matches: string | number; emails: string | number }>(
    matchBatchSql(limit),
  );
  const row = result.rows[0];
  return { events: Number(row?.events ?? 0), matches: Number(row?.matches ?? 0), emails: Number(row?.emails ?? 0) };
}

/**
 * Joins, to a row of `properties`, the saved searches an event of `kind` at `at` on it alerts,
 * with their users: the search matches the listing, alerts this kind, is not off, existed
 * before the event, and its user is active with a verified address.
 */
function alertedSearchesJoin(kind: SQL, at: SQL): SQL {
  const s = savedSearches;
  return sql`join ${candidateSearches()} on ${kind} = any(${s.alerts})
        and ${s.createdAt} <= ${at} and ${savedSearchMatchesListing()}
      join ${users} on ${users.id} = ${s.userId} and ${users.isActive} and ${users.emailVerifiedAt} is not null`;
}

/**
 * How many saved searches a `kind` event on this listing now would alert: the matching's read
 * alone, without its writes (the benchmark times it beside the whole statement).
 */
export function alertedSearchCountSql(propertyId: string, kind: ListingAlertKind): SQL {
  return sql`select count(*) as n from ${properties}
    ${alertedSearchesJoin(sql`${kind}::listing_alert_kind`, sql`now()`)}
    where ${properties.id} = ${propertyId}`;
}

/** The statement of matchListingEventsBatch, unexecuted (the benchmark times and EXPLAINs it). */
export function matchBatchSql(limit: number): SQL {
  const s = savedSearches;
  return sql`
    with claimed as (
      select id, property_id, kind, price, previous_price, created_at
      from ${listingEvents}
      where matched_at is null
      order by created_at, id
      limit ${limit}
      for update skip locked
    ),
    hits as (
      select ${s.id} as search_id, ${s.userId} as user_id, ${s.name} as search_name, ${s.frequency} as frequency,
             c.id as event_id, c.kind, c.price, c.previous_price,
             ${properties.id} as property_id, ${properties.title} as title, ${properties.slug} as slug,
             ${properties.currency} as currency, ${users.email} as email, ${users.name} as user_name,
             -- The instant email's id, minted once here (the CTE is computed once) for both inserts.
             case when ${s.frequency} = 'instant' then gen_random_uuid() end as notification_id
      from claimed c
      join ${properties} on ${properties.id} = c.property_id
      ${alertedSearchesJoin(sql`c.kind`, sql`c.created_at`)}
    ),
    fresh as (
      insert into saved_search_matches (saved_search_id, event_id, user_id, property_id, kind, notification_id)
      select search_id, event_id, user_id, property_id, kind, notification_id
      from hits
      on conflict do nothing
      returning saved_search_id, event_id, notification_id
    ),
    -- Straight from hits, not joined back to what fresh inserted (such a join of two CTEs, whose
    -- sizes the planner cannot know, became a nested loop over a batch's hundred thousand
    -- matches): the claimed events were unmatched, so every hit is a new match, and the
    -- idempotency key (search, event) would refuse a second email anyway.
    queued as (
      insert into ${notificationQueue} (id, kind, recipient, payload, idempotency_key)
      select h.notification_id, ${LISTING_ALERT_KIND}, h.email,
             jsonb_build_object(
               'name', h.user_name, 'searchId', h.search_id, 'searchName', h.search_name, 'kind', h.kind,
               'title', h.title, 'slug', h.slug, 'price', h.price, 'previousPrice', h.previous_price,
               'currency', h.currency),
             'listing-alert:' || h.search_id || ':' || h.event_id
      from hits h
      where h.notification_id is not null
      on conflict (idempotency_key) do nothing
      returning id
    ),
    alerted as (
      select id from ${savedSearches}
      where id in (select search_id from hits where notification_id is not null)
      order by id
      for update
    ),
    stamped as (
      update ${savedSearches} set last_alerted_at = now()
      where id in (select id from alerted)
      returning id
    ),
    marked as (
      update ${listingEvents} set matched_at = now()
      where id in (select id from claimed)
      returning id
    )
    select (select count(*) from marked) as events,
           (select count(*) from fresh) as matches,
           (select count(*) from queued) as emails,
           (select count(*) from stamped) as stamped`;
}

export interface MatchRunOutcome extends MatchBatchOutcome {
  batches: number;
}

/** Batches until no unmatched event is left, or the time budget is spent (the next run goes on). */
export async function matchListingEvents(
  db: Database,
  options: { batchSize?: number; budgetMs?: number; maxBatches?: number } = {},
): Promise<MatchRunOutcome> {
  const batchSize = options.batchSize ?? 200;
  return runBatches(
    { events: 0, matches: 0, emails: 0 },
    () => matchListingEventsBatch(db, batchSize),
    (batch) => batch.events < batchSize,
    { budgetMs: options.budgetMs ?? 20_000, maxBatches: options.maxBatches ?? 100 },
  );
}
