import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { toDate } from '../users/user-record';
import { type Dashboard, type DashboardQuery, dashboardQuery } from './dashboard';

export interface DashboardSnapshot {
  dashboard: Dashboard;
  generatedAt: Date;
}

type SnapshotRow = { body: Dashboard | string; computed_at: unknown };

function fromRow(row: SnapshotRow | undefined): DashboardSnapshot | null {
  if (!row) return null;
  const dashboard = typeof row.body === 'string' ? (JSON.parse(row.body) as Dashboard) : row.body;
  return { dashboard, generatedAt: toDate(row.computed_at) as Date };
}

/**
 * The stored figures of a window if they are at most `maxAgeSeconds` old, marking the window as
 * looked at (the refresh job keeps such windows warm). One indexed row.
 */
export async function freshDashboard(
  db: Database,
  query: DashboardQuery,
  maxAgeSeconds: number,
  clock: Clock,
): Promise<DashboardSnapshot | null> {
  if (maxAgeSeconds === 0) return null;
  const result = await db.execute<SnapshotRow>(sql`
    update dashboard_snapshots set read_at = ${clock.sqlNow}
    where days = ${query.days}::int and last_day = ${query.lastDay}::date
      and computed_at > ${clock.sqlNow} - ${maxAgeSeconds}::int * interval '1 second'
    returning body, computed_at`);
  return fromRow(result.rows[0]);
}

/** Counts the window's figures now (the expensive part) and stores them for the next reads. */
export async function computeDashboard(
  db: Database,
  query: DashboardQuery,
  clock: Clock,
  options: { markRead: boolean } = { markRead: true },
): Promise<DashboardSnapshot> {
  const readAt = options.markRead ? clock.sqlNow : sql`${clock.sqlNow} - interval '1 hour'`;
  const result = await db.execute<SnapshotRow>(sql`
    insert into dashboard_snapshots as s (days, last_day, body, computed_at, read_at)
    select ${query.days}::int, ${query.lastDay}::date, d.dashboard, ${clock.sqlNow}, ${readAt}
    from (${dashboardQuery(query)}) d
    on conflict (days, last_day) do update set
      body = excluded.body,
      computed_at = excluded.computed_at,
      read_at = greatest(s.read_at, excluded.read_at)
    returning body, computed_at`);
  const snapshot = fromRow(result.rows[0]);
  if (!snapshot) throw new Error('dashboard snapshot was not stored');
  return snapshot;
}

/**
 * Recomputes the windows admins looked at within `watchedMinutes` whose figures are older than
 * `staleSeconds`, most recently read first, and forgets windows nobody has read for a day.
 */
export async function refreshWatchedDashboards(
  db: Database,
  clock: Clock,
  settings: { staleSeconds: number; watchedMinutes: number; limit: number },
): Promise<{ refreshed: number; forgotten: number }> {
  const [due, forgotten] = await db.batch([
    db.execute<{ days: number; last_day: string }>(sql`
      select days, to_char(last_day, 'YYYY-MM-DD') as last_day from dashboard_snapshots
      where read_at > ${clock.sqlNow} - ${settings.watchedMinutes}::int * interval '1 minute'
        and computed_at <= ${clock.sqlNow} - ${settings.staleSeconds}::int * interval '1 second'
      order by read_at desc
      limit ${settings.limit}::int`),
    db.execute(sql`delete from dashboard_snapshots where read_at < ${clock.sqlNow} - interval '1 day'`),
  ]);
  for (const row of due.rows) {
    await computeDashboard(db, { days: Number(row.days), lastDay: row.last_day }, clock, { markRead: false });
  }
  return { refreshed: due.rows.length, forgotten: forgotten.rowCount ?? 0 };
}
