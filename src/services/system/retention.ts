import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { VIEW_WINDOW_MINUTES } from '../analytics/record-event';
import { IDEMPOTENCY_KEY_TTL_HOURS } from '../inquiries/request-hash';
import { isSkipped } from '../notifications/skipped';

export interface PurgeResult {
  deleted: number;
  batches: number;
  /** True when the batch cap stopped the loop with rows still to delete: the next run goes on. */
  more: boolean;
}

export interface RetentionPeriods {
  analyticsDays: number;
  tokensDays: number;
  notificationsDays: number;
  auditDays: number;
  /** LOGIN_KNOWN_CLIENT_DAYS: a sign-in client untouched this long is neither locked nor known. */
  loginClientsDays: number;
  /** RETENTION_ALERTS_DAYS: listing events matched, and digests sent, this long ago. */
  alertsDays: number;
}

/** Runs `statement` (which acts on at most `batchSize` rows) until it comes back short. */
async function inBatches(
  batchSize: number,
  maxBatches: number,
  statement: () => Promise<number>,
): Promise<PurgeResult> {
  let deleted = 0;
  for (let batch = 1; batch <= maxBatches; batch++) {
    const count = await statement();
    deleted += count;
    if (count < batchSize) return { deleted, batches: batch, more: false };
  }
  return { deleted, batches: maxBatches, more: true };
}

/**
 * Deletes the rows of `table` matching `where`, at most `batchSize` per statement, so that no
 * statement holds its row locks for long; loops until a batch comes back short.
 */
export function deleteInBatches(
  db: Database,
  table: string,
  where: SQL,
  batchSize: number,
  maxBatches: number,
): Promise<PurgeResult> {
  return inBatches(batchSize, maxBatches, async () => {
    const result = await db.execute(sql`
      delete from ${sql.identifier(table)}
      where id in (select id from ${sql.identifier(table)} where ${where} limit ${batchSize})`);
    return result.rowCount ?? 0;
  });
}

/** View claims of windows that have ended: a later view opens a window of its own anyway. */
function deletePastViewWindows(db: Database, batchSize: number, maxBatches: number): Promise<PurgeResult> {
  const window = `${VIEW_WINDOW_MINUTES} minutes`;
  return inBatches(batchSize, maxBatches, async () => {
    const result = await db.execute(sql`
      delete from analytics_view_claims
      where ctid in (select ctid from analytics_view_claims
        where window_start < now() - ${window}::interval limit ${batchSize})`);
    return result.rowCount ?? 0;
  });
}

/**
 * Audit entries past their period. Not a plain DELETE: the app role has no DELETE on audit_log
 * and its trigger refuses one; purge_audit_log() (SECURITY DEFINER) is the one way through.
 */
function purgeAuditLog(db: Database, days: number, batchSize: number, maxBatches: number): Promise<PurgeResult> {
  return inBatches(batchSize, maxBatches, async () => {
    const result = await db.execute<{ deleted: number }>(
      sql`select purge_audit_log(${days}::int, ${batchSize}::int) as deleted`,
    );
    return Number(result.rows[0]?.deleted ?? 0);
  });
}

/** Expired inquiry Idempotency-Keys: the inquiries stay, their keys go (the request path also ignores them). */
function forgetIdempotencyKeys(db: Database, batchSize: number, maxBatches: number): Promise<PurgeResult> {
  const ttl = `${IDEMPOTENCY_KEY_TTL_HOURS} hours`;
  return inBatches(batchSize, maxBatches, async () => {
    const result = await db.execute(sql`
      update inquiries set idempotency_key = null
      where id in (select id from inquiries
        where idempotency_key is not null and created_at <= now() - ${ttl}::interval limit ${batchSize})`);
    return result.rowCount ?? 0;
  });
}

/**
 * The matches of listing events matched before `alertsDays`. Deleted ahead of their events
 * rather than by the events' cascade: one event can match thousands of searches, so a batch of
 * events would not bound the rows its statement deletes; a batch of matches does.
 */
function deleteOldAlertMatches(db: Database, alertsDays: number, batchSize: number, maxBatches: number) {
  const period = `${alertsDays} days`;
  return inBatches(batchSize, maxBatches, async () => {
    const result = await db.execute(sql`
      delete from saved_search_matches
      where ctid in (select m.ctid from listing_events e join saved_search_matches m on m.event_id = e.id
        where e.matched_at < now() - ${period}::interval limit ${batchSize})`);
    return result.rowCount ?? 0;
  });
}

/** The retention rules: what each table keeps, as a condition on the rows to delete. */
export function retentionRules(periods: RetentionPeriods): Array<{ table: string; where: SQL }> {
  const analytics = `${periods.analyticsDays} days`;
  const tokens = `${periods.tokensDays} days`;
  const notifications = `${periods.notificationsDays} days`;
  const loginClients = `${periods.loginClientsDays} days`;
  const alerts = `${periods.alertsDays} days`;
  return [
    // Whole months go with their partition (dropExpiredAnalyticsPartitions); this rule only
    // reaches the rows no monthly partition took.
    {
      table: 'analytics_events',
      where: sql`tableoid = 'analytics_events_default'::regclass and created_at < now() - ${analytics}::interval`,
    },
    {
      table: 'refresh_tokens',
      where: sql`(expires_at < now() - ${tokens}::interval or revoked_at < now() - ${tokens}::interval)`,
    },
    // Deleting a session cascades to whatever refresh tokens it still has.
    {
      table: 'sessions',
      where: sql`(expires_at < now() - ${tokens}::interval or revoked_at < now() - ${tokens}::interval)`,
    },
    // Reset and verification tokens once used or expired (the budgets look back a day at most).
    {
      table: 'account_tokens',
      where: sql`(expires_at < now() - ${tokens}::interval or used_at < now() - ${tokens}::interval)`,
    },
    {
      table: 'notification_queue',
      where: sql`((status = 'sent' and coalesce(sent_at, updated_at) < now() - ${notifications}::interval)
        or (${isSkipped} and updated_at < now() - ${notifications}::interval))`,
    },
    { table: 'login_throttles', where: sql`last_seen_at < now() - ${loginClients}::interval` },
    // Matched long ago (their matches went first, deleteOldAlertMatches); an event not matched
    // yet stays, however old, for the matching to fan out.
    { table: 'listing_events', where: sql`matched_at < now() - ${alerts}::interval` },
    // Their periods are over, so no digest run looks for them again; the matches attached to one
    // were made before it, so they went with their events already.
    { table: 'alert_digests', where: sql`created_at < now() - ${alerts}::interval` },
  ];
}

export async function purgeExpiredRows(
  db: Database,
  periods: RetentionPeriods,
  limits: { batchSize: number; maxBatches: number },
): Promise<Record<string, PurgeResult>> {
  const results: Record<string, PurgeResult> = {};
  results.saved_search_matches = await deleteOldAlertMatches(
    db,
    periods.alertsDays,
    limits.batchSize,
    limits.maxBatches,
  );
  for (const rule of retentionRules(periods)) {
    results[rule.table] = await deleteInBatches(db, rule.table, rule.where, limits.batchSize, limits.maxBatches);
  }
  results.audit_log = await purgeAuditLog(db, periods.auditDays, limits.batchSize, limits.maxBatches);
  results['inquiries.idempotency_key'] = await forgetIdempotencyKeys(db, limits.batchSize, limits.maxBatches);
  results.analytics_view_claims = await deletePastViewWindows(db, limits.batchSize, limits.maxBatches);
  return results;
}

/** The stored result of a job's latest succeeded run: where a job that works in parts goes on. */
export async function lastJobResult(db: Database, name: string): Promise<Record<string, unknown> | null> {
  const result = await db.execute<{ result: Record<string, unknown> | null }>(sql`
    select result from job_runs where name = ${name} and status = 'succeeded'
    order by started_at desc limit 1`);
  return result.rows[0]?.result ?? null;
}

/** Months ahead of the current one whose analytics_events partitions the nightly job keeps ready. */
export const ANALYTICS_PARTITION_MONTHS_AHEAD = 2;

/**
 * Creates the monthly partitions of analytics_events from the current month on (a SECURITY
 * DEFINER function of the owner: the app role may not create tables). Returns the new ones.
 */
export async function createAnalyticsPartitions(db: Database, monthsAhead = ANALYTICS_PARTITION_MONTHS_AHEAD) {
  const { rows } = await db.execute<{ name: string }>(
    sql`select analytics_events_create_partitions(now(), ${monthsAhead}::int) as name`,
  );
  return rows.map((r) => r.name);
}

/** Drops the monthly partitions of analytics_events all of whose rows are past the retention period. */
export async function dropExpiredAnalyticsPartitions(db: Database, keepDays: number): Promise<string[]> {
  const { rows } = await db.execute<{ name: string }>(
    sql`select analytics_events_drop_partitions(${keepDays}::int) as name`,
  );
  return rows.map((r) => r.name);
}
