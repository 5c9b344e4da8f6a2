import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor';
import { isUuid } from '../../lib/uuid';
import { type NotificationInput, notificationsInsert } from '../notifications/enqueue';
import { isSkipped } from '../notifications/skipped';
import { fastGrowingTables, type GrowthSettings } from './table-growth';

export const ALERT_KINDS = [
  'job_failed',
  'job_abandoned',
  'notifications_dead',
  'dashboard_refresh_stalled',
  'backup_stale',
  'table_growth',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Problem {
  /** Names the problem: the same problem seen again is the same alert. */
  key: string;
  kind: AlertKind;
  summary: string;
  details: Record<string, unknown>;
}

export interface AlertSettings {
  remindHours: number;
  deadNotificationHours: number;
  dashboardStaleMinutes: number;
  backupMaxAgeHours: number;
  growth: GrowthSettings;
}

/** The refresh job recounts windows read in the last 15 minutes (jobs/refresh-dashboards.ts). */
const WATCHED_DASHBOARD_MINUTES = 15;

const iso = (value: unknown) => (value == null ? null : new Date(String(value)).toISOString());

/**
 * Failed runs since the job's last success, and runs whose Worker died (marked `abandoned` in
 * the last day, or still `running` past their lease with no next run to take over yet).
 */
async function jobProblems(db: Database): Promise<Problem[]> {
  const { rows } = await db.execute<{
    name: string;
    status: 'failed' | 'abandoned';
    runs: string;
    last_at: string;
    last_error: string | null;
  }>(sql`
    with last_success as (
      select name, max(started_at) as at from job_runs where status = 'succeeded' group by name
    ),
    bad as (
      select r.name, 'failed' as status, r.started_at, r.error
      from job_runs r left join last_success s on s.name = r.name
      where r.status = 'failed' and r.started_at > coalesce(s.at, '-infinity'::timestamptz)
        and r.started_at > now() - interval '7 days'
      union all
      select name, 'abandoned', started_at, coalesce(error, 'lease expired before the run finished')
      from job_runs
      where (status = 'abandoned' and finished_at > now() - interval '1 day')
        or (status = 'running' and lease_until < now())
    )
    select name, status, count(*)::text as runs, max(started_at) as last_at,
      (array_agg(error order by started_at desc))[1] as last_error
    from bad group by name, status order by name, status`);
  return rows.map((r) => {
    const kind = r.status === 'failed' ? 'job_failed' : 'job_abandoned';
    const runs = Number(r.runs);
    return {
      key: `${kind}:${r.name}`,
      kind,
      summary:
        r.status === 'failed'
          ? `Job ${r.name} failed (${runs} run${runs === 1 ? '' : 's'} since its last success)`
          : `Job ${r.name} was abandoned: its Worker stopped before the run finished`,
      details: { job: r.name, runs, lastRunStartedAt: iso(r.last_at), lastError: r.last_error?.slice(0, 500) ?? null },
    };
  });
}

async function notificationProblems(db: Database, settings: AlertSettings): Promise<Problem[]> {
  const window = `${settings.deadNotificationHours} hours`;
  const { rows } = await db.execute<{ dead: string; last_at: string | null; last_error: string | null }>(sql`
    select count(*)::text as dead, max(updated_at) as last_at,
      (array_agg(last_error order by updated_at desc))[1] as last_error
    from notification_queue
    where status = 'dead' and not ${isSkipped} and updated_at > now() - ${window}::interval`);
  const dead = Number(rows[0]?.dead ?? 0);
  if (dead === 0) return [];
  return [
    {
      key: 'notifications_dead',
      kind: 'notifications_dead',
      summary: `${dead} email${dead === 1 ? '' : 's'} gave up after every attempt in the last ${settings.deadNotificationHours} hours`,
      details: { dead, lastDeadAt: iso(rows[0]?.last_at), lastError: rows[0]?.last_error?.slice(0, 500) ?? null },
    },
  ];
}

async function dashboardProblems(db: Database, settings: AlertSettings): Promise<Problem[]> {
  const watched = `${WATCHED_DASHBOARD_MINUTES} minutes`;
  const stale = `${settings.dashboardStaleMinutes} minutes`;
  const { rows } = await db.execute<{ windows: string; oldest: string | null }>(sql`
    select count(*)::text as windows, min(computed_at) as oldest from dashboard_snapshots
    where read_at > now() - ${watched}::interval and computed_at < now() - ${stale}::interval`);
  const windows = Number(rows[0]?.windows ?? 0);
  if (windows === 0) return [];
  return [
    {
      key: 'dashboard_refresh_stalled',
      kind: 'dashboard_refresh_stalled',
      summary: `The dashboard refresh is stalled: ${windows} watched window${windows === 1 ? '' : 's'} not recounted for over ${settings.dashboardStaleMinutes} minutes`,
      details: { windows, oldestComputedAt: iso(rows[0]?.oldest) },
    },
  ];
}

async function backupProblems(db: Database, settings: AlertSettings): Promise<Problem[]> {
  const { rows } = await db.execute<{ last_at: string | null; fresh: boolean }>(sql`
    select max(finished_at) as last_at,
      coalesce(max(finished_at) > now() - ${`${settings.backupMaxAgeHours} hours`}::interval, false) as fresh
    from backup_runs`);
  const row = rows[0];
  if (row?.fresh) return [];
  const last = iso(row?.last_at);
  return [
    {
      key: 'backup_stale',
      kind: 'backup_stale',
      summary: last
        ? `No backup for over ${settings.backupMaxAgeHours} hours (the last one finished at ${last})`
        : 'No backup has ever been recorded',
      details: { lastBackupAt: last, maxAgeHours: settings.backupMaxAgeHours },
    },
  ];
}

/** Tables whose nightly size samples grow faster than TABLE_GROWTH_ALERT_BYTES_PER_DAY. */
async function growthProblems(db: Database, settings: AlertSettings): Promise<Problem[]> {
  const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return (await fastGrowingTables(db, settings.growth)).map((g) => {
    const pace = g.growth7d?.bytesPerDay ?? g.growth30d?.bytesPerDay ?? 0;
    return {
      key: `table_growth:${g.table}`,
      kind: 'table_growth',
      summary: `Table ${g.table} grows ${mib(pace)} a day (alert above ${mib(settings.growth.TABLE_GROWTH_ALERT_BYTES_PER_DAY)}); it is ${mib(g.bytes)} now${g.daysUntilThreshold === null ? '' : `, ${g.daysUntilThreshold} days from the size threshold`}`,
      details: { table: g.table, bytes: g.bytes, bytesPerDay: pace, daysUntilThreshold: g.daysUntilThreshold },
    };
  });
}

/** Every problem there is now. */
export async function detectProblems(db: Database, settings: AlertSettings): Promise<Problem[]> {
  const found = await Promise.all([
    jobProblems(db),
    notificationProblems(db, settings),
    dashboardProblems(db, settings),
    backupProblems(db, settings),
    growthProblems(db, settings),
  ]);
  return found.flat();
}

export interface AlertEmail {
  alertId: string;
  key: string;
  summary: string;
  state: 'open' | 'resolved';
  /** 1 for the first email of an alert, 2 for the first reminder, ... */
  round: number;
}

export interface ReconcileResult {
  open: number;
  opened: string[];
  resolved: string[];
  emails: AlertEmail[];
}

/**
 * Opens an alert per new problem, refreshes the ones still there, resolves the ones gone, and
 * says which need an email: a new one, one last emailed `remindHours` ago, a resolved one.
 * Claiming `notified_at` in the update means two overlapping checks never both send.
 */
export async function reconcileAlerts(
  db: Database,
  problems: Problem[],
  settings: Pick<AlertSettings, 'remindHours'>,
): Promise<ReconcileResult> {
  const keys = problems.map((p) => p.key);
  const remind = `${settings.remindHours} hours`;
  const values = problems.map(
    (p) => sql`(${uuidv7()}::uuid, ${p.key}, ${p.kind}, ${p.summary}, ${JSON.stringify(p.details)}::jsonb, now(), 1)`,
  );
  const due = sql`alerts.notified_at is null or alerts.notified_at < now() - ${remind}::interval`;
  const [upserted, resolved] = await db.batch([
    db.execute<{ id: string; key: string; summary: string; notifications: number; inserted: boolean; notify: boolean }>(
      values.length === 0
        ? sql`select null::uuid as id where false`
        : sql`
          insert into alerts (id, key, kind, summary, details, notified_at, notifications)
          values ${sql.join(values, sql`, `)}
          on conflict (key) where resolved_at is null do update
            set last_seen_at = now(), summary = excluded.summary, details = excluded.details,
              notified_at = case when ${due} then now() else alerts.notified_at end,
              notifications = alerts.notifications + case when ${due} then 1 else 0 end
          returning id, key, summary, notifications, xmax = 0 as inserted, notified_at = now() as notify`,
    ),
    db.execute<{ id: string; key: string; summary: string }>(sql`
      update alerts set resolved_at = now()
      where resolved_at is null
        and key not in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))
      returning id, key, summary`),
  ]);
  const { rows: open } = await db.execute<{ open: string }>(
    sql`select count(*)::text as open from alerts where resolved_at is null`,
  );
  const emails: AlertEmail[] = [
    ...upserted.rows
      .filter((r) => r.notify)
      .map((r) => ({ alertId: r.id, key: r.key, summary: r.summary, state: 'open' as const, round: r.notifications })),
    ...resolved.rows.map((r) => ({
      alertId: r.id,
      key: r.key,
      summary: r.summary,
      state: 'resolved' as const,
      round: 0,
    })),
  ];
  return {
    open: Number(open[0]?.open ?? 0),
    opened: upserted.rows.filter((r) => r.inserted).map((r) => r.key),
    resolved: resolved.rows.map((r) => r.key),
    emails,
  };
}

/** Queues each email for every active super admin; returns the queue ids to send now. */
export async function queueAlertEmails(db: Database, emails: AlertEmail[]): Promise<string[]> {
  if (emails.length === 0) return [];
  const { rows: admins } = await db.execute<{ id: string; email: string }>(sql`
    select id, email from users where role = 'super_admin' and is_active order by id`);
  const rows: NotificationInput[] = emails.flatMap((e) =>
    admins.map((admin) => ({
      kind: e.state === 'open' ? ('ops_alert' as const) : ('ops_alert_resolved' as const),
      recipient: admin.email,
      payload: { key: e.key, summary: e.summary, alertId: e.alertId, reminder: e.round > 1 },
      idempotencyKey: `alert:${e.alertId}:${e.state === 'open' ? e.round : 'resolved'}:${admin.id}`,
    })),
  );
  const ids: string[] = [];
  for (let i = 0; i < rows.length; i += 100) {
    const inserted = await notificationsInsert(db, rows.slice(i, i + 100)).returning({ id: sql<string>`id` });
    ids.push(...inserted.map((r) => r.id));
  }
  return ids;
}

export interface AlertJson {
  id: string;
  key: string;
  kind: AlertKind;
  summary: string;
  details: Record<string, unknown>;
  openedAt: string;
  lastSeenAt: string;
  notifiedAt: string | null;
  notifications: number;
  resolvedAt: string | null;
}

const CURSOR_SCOPE = { scope: 'system-alerts' };

/** Newest first; `open` only the ones still going on. uuid v7 ids grow with opening time. */
export async function listAlerts(
  db: Database,
  cursorSecret: string,
  options: { limit: number; cursor?: string; status?: 'open' | 'resolved' },
): Promise<{ data: AlertJson[]; nextCursor: string | null }> {
  let after: string | null = null;
  if (options.cursor) {
    const position = await decodeCursor<{ i?: unknown }>(cursorSecret, options.cursor, {
      scope: `${CURSOR_SCOPE.scope}:${options.status ?? 'all'}`,
    });
    if (typeof position?.i !== 'string' || !isUuid(position.i)) throw invalidCursor();
    after = position.i;
  }
  const { rows } = await db.execute<{
    id: string;
    key: string;
    kind: AlertKind;
    summary: string;
    details: Record<string, unknown>;
    opened_at: string;
    last_seen_at: string;
    notified_at: string | null;
    notifications: number;
    resolved_at: string | null;
  }>(sql`
    select id, key, kind, summary, details, opened_at, last_seen_at, notified_at, notifications, resolved_at
    from alerts
    where (${after}::uuid is null or id < ${after}::uuid)
      and (${options.status ?? null}::text is null
        or (${options.status ?? null}::text = 'open') = (resolved_at is null))
    order by id desc
    limit ${options.limit + 1}::int`);
  const data = rows.slice(0, options.limit).map(
    (r): AlertJson => ({
      id: r.id,
      key: r.key,
      kind: r.kind,
      summary: r.summary,
      details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      openedAt: iso(r.opened_at) ?? '',
      lastSeenAt: iso(r.last_seen_at) ?? '',
      notifiedAt: iso(r.notified_at),
      notifications: Number(r.notifications),
      resolvedAt: iso(r.resolved_at),
    }),
  );
  const last = data.at(-1);
  const nextCursor =
    rows.length > options.limit && last
      ? await encodeCursor(cursorSecret, { i: last.id }, { scope: `${CURSOR_SCOPE.scope}:${options.status ?? 'all'}` })
      : null;
  return { data, nextCursor };
}
