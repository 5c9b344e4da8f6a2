import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { JobStatus, JobTrigger } from '../../db/enums';
import { type GrowthSettings, type RelationGrowth, tableGrowth } from './table-growth';

export type Section<T> = ({ available: true } & T) | { available: false; reason: string };

/** The most lock waits, and slow statements, the overview lists; a statement's text is cut to SLOW_QUERY_MAX characters. */
export const LOCK_WAITS_LIMIT = 50;
export const SLOW_STATEMENTS_LIMIT = 10;
export const SLOW_QUERY_MAX = 500;

const iso = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

function sqlstate(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs one section's query; a missing view or privilege becomes `{available:false}` with a safe reason. */
async function section<Row, T>(
  db: Database,
  query: SQL,
  shape: (rows: Row[]) => T,
  explain: Record<string, string> = {},
): Promise<Section<T>> {
  try {
    const result = await db.execute<Record<string, unknown>>(query);
    return { available: true, ...shape(result.rows as Row[]) };
  } catch (error) {
    const code = sqlstate(error);
    // Driver messages can carry SQL text; the client only gets a reason we wrote.
    const reason =
      (code && explain[code]) ??
      (code === '42501'
        ? 'the database role may not read this view'
        : code === '42P01' || code === '42883'
          ? 'this view is not available on this server'
          : `the query failed${code ? ` (SQLSTATE ${code})` : ''}`);
    return { available: false, reason };
  }
}

export interface ConnectionStats {
  total: number;
  byState: Record<string, number>;
}

export interface TableStats {
  table: string;
  totalBytes: number;
  tableBytes: number;
  liveTuples: number;
  deadTuples: number;
  seqScans: number;
  indexScans: number | null;
  lastVacuum: string | null;
  lastAutovacuum: string | null;
  lastAnalyze: string | null;
  lastAutoanalyze: string | null;
}

export interface IndexStats {
  table: string;
  index: string;
  bytes: number;
  scans: number;
  tuplesRead: number;
  tuplesFetched: number;
}

export interface JobRunSummary {
  name: string;
  lastRun: {
    id: string;
    status: JobStatus;
    trigger: JobTrigger;
    startedAt: string;
    finishedAt: string | null;
    rowsAffected: number | null;
    error: string | null;
  } | null;
}

export interface SlowStatement {
  query: string;
  calls: number;
  meanMs: number;
  totalMs: number;
  rows: number;
}

export interface LockWait {
  pid: number;
  lockType: string;
  mode: string;
  relation: string | null;
  waitingSeconds: number | null;
  blockedBy: number[];
}

export interface DatabaseOverview {
  generatedAt: string;
  server: Section<{ version: string; database: string; role: string }>;
  connections: Section<ConnectionStats>;
  tables: Section<{ data: TableStats[] }>;
  indexes: Section<{ data: IndexStats[] }>;
  jobs: Section<{ data: JobRunSummary[] }>;
  notifications: Section<{ pending: number; sending: number; dead: number; sent: number }>;
  slowStatements: Section<{ data: SlowStatement[] }>;
  lockWaits: Section<{ data: LockWait[] }>;
  growth: Section<{ thresholdBytes: number; data: RelationGrowth[] }>;
}

const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
const numOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const strOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value));

/**
 * The super admin's view of the database, from the pg_stat_* views. Every section is its
 * own query, so one view missing (PGlite, a managed server without pg_stat_statements)
 * only marks that section unavailable.
 */
export async function databaseOverview(
  db: Database,
  jobNames: readonly string[],
  growthSettings: GrowthSettings,
): Promise<DatabaseOverview> {
  const [server, connections, tables, indexes, jobs, notifications, slowStatements, lockWaits, growth] =
    await Promise.all([
      section(
        db,
        sql`select current_setting('server_version') as version, current_database() as database, current_user as role`,
        (rows: Array<{ version: string; database: string; role: string }>) => ({
          version: String(rows[0]?.version ?? ''),
          database: String(rows[0]?.database ?? ''),
          role: String(rows[0]?.role ?? ''),
        }),
      ),
      section(
        db,
        sql`select coalesce(state, 'unknown') as state, count(*)::float8 as n
          from pg_stat_activity where datname = current_database() group by 1`,
        (rows: Array<{ state: string; n: number }>) => ({
          total: rows.reduce((sum, r) => sum + num(r.n), 0),
          byState: Object.fromEntries(rows.map((r) => [r.state, num(r.n)])),
        }),
      ),
      section(
        db,
        sql`select relname as table, pg_total_relation_size(relid)::float8 as total_bytes,
            pg_relation_size(relid)::float8 as table_bytes, n_live_tup::float8 as live, n_dead_tup::float8 as dead,
            seq_scan::float8 as seq_scans, idx_scan::float8 as idx_scans,
            ${iso('last_vacuum')} as last_vacuum, ${iso('last_autovacuum')} as last_autovacuum,
            ${iso('last_analyze')} as last_analyze, ${iso('last_autoanalyze')} as last_autoanalyze
          from pg_stat_user_tables where schemaname = current_schema()
          order by pg_total_relation_size(relid) desc, relname`,
        (rows: Array<Record<string, unknown>>) => ({
          data: rows.map(
            (r): TableStats => ({
              table: String(r.table),
              totalBytes: num(r.total_bytes),
              tableBytes: num(r.table_bytes),
              liveTuples: num(r.live),
              deadTuples: num(r.dead),
              seqScans: num(r.seq_scans),
              indexScans: numOrNull(r.idx_scans),
              lastVacuum: strOrNull(r.last_vacuum),
              lastAutovacuum: strOrNull(r.last_autovacuum),
              lastAnalyze: strOrNull(r.last_analyze),
              lastAutoanalyze: strOrNull(r.last_autoanalyze),
            }),
          ),
        }),
      ),
      section(
        db,
        sql`select relname as table, indexrelname as index, pg_relation_size(indexrelid)::float8 as bytes,
            idx_scan::float8 as scans, idx_tup_read::float8 as tup_read, idx_tup_fetch::float8 as tup_fetch
          from pg_stat_user_indexes where schemaname = current_schema()
          order by idx_scan asc, pg_relation_size(indexrelid) desc, indexrelname`,
        (rows: Array<Record<string, unknown>>) => ({
          data: rows.map(
            (r): IndexStats => ({
              table: String(r.table),
              index: String(r.index),
              bytes: num(r.bytes),
              scans: num(r.scans),
              tuplesRead: num(r.tup_read),
              tuplesFetched: num(r.tup_fetch),
            }),
          ),
        }),
      ),
      section(
        db,
        sql`select distinct on (name) id, name, status::text as status, trigger, ${iso('started_at')} as started_at,
            ${iso('finished_at')} as finished_at, rows_affected, error
          from job_runs order by name, started_at desc`,
        (rows: Array<Record<string, unknown>>) => {
          const byName = new Map(rows.map((r) => [String(r.name), r]));
          const names = [...new Set([...jobNames, ...byName.keys()])];
          return {
            data: names.map((name): JobRunSummary => {
              const r = byName.get(name);
              return {
                name,
                lastRun: r
                  ? {
                      id: String(r.id),
                      status: String(r.status) as NonNullable<JobRunSummary['lastRun']>['status'],
                      trigger: String(r.trigger) as NonNullable<JobRunSummary['lastRun']>['trigger'],
                      startedAt: String(r.started_at),
                      finishedAt: strOrNull(r.finished_at),
                      rowsAffected: numOrNull(r.rows_affected),
                      error: strOrNull(r.error),
                    }
                  : null,
              };
            }),
          };
        },
      ),
      section(
        db,
        sql`select count(*) filter (where status = 'pending')::float8 as pending,
            count(*) filter (where status = 'sending')::float8 as sending,
            count(*) filter (where status = 'dead')::float8 as dead,
            count(*) filter (where status = 'sent')::float8 as sent
          from notification_queue`,
        (rows: Array<Record<string, unknown>>) => ({
          pending: num(rows[0]?.pending),
          sending: num(rows[0]?.sending),
          dead: num(rows[0]?.dead),
          sent: num(rows[0]?.sent),
        }),
      ),
      slowest(db),
      section(
        db,
        sql`select l.pid, l.locktype, l.mode, l.relation::regclass::text as relation,
            extract(epoch from now() - a.query_start)::float8 as waiting_seconds,
            pg_blocking_pids(l.pid) as blocked_by
          from pg_locks l left join pg_stat_activity a on a.pid = l.pid
          where not l.granted
          order by a.query_start nulls last
          limit ${LOCK_WAITS_LIMIT}`,
        (rows: Array<Record<string, unknown>>) => ({
          data: rows.map(
            (r): LockWait => ({
              pid: num(r.pid),
              lockType: String(r.locktype),
              mode: String(r.mode),
              relation: strOrNull(r.relation),
              waitingSeconds: numOrNull(r.waiting_seconds),
              blockedBy: Array.isArray(r.blocked_by) ? r.blocked_by.map(Number) : [],
            }),
          ),
        }),
      ),
      tableGrowth(db, growthSettings).then(
        (data): Section<{ thresholdBytes: number; data: RelationGrowth[] }> => ({
          available: true,
          thresholdBytes: growthSettings.TABLE_SIZE_THRESHOLD_BYTES,
          data,
        }),
        (): Section<never> => ({ available: false, reason: 'the size history could not be read' }),
      ),
    ]);
  return {
    generatedAt: new Date().toISOString(),
    server,
    connections,
    tables,
    indexes,
    jobs,
    notifications,
    slowStatements,
    lockWaits,
    growth,
  };
}

/** pg_stat_statements is an extension: look for it first so its absence is a plain "not installed". */
async function slowest(db: Database): Promise<Section<{ data: SlowStatement[] }>> {
  const installed = await section(
    db,
    sql`select exists (select 1 from pg_extension where extname = 'pg_stat_statements') as installed`,
    (rows: Array<{ installed: boolean }>) => ({ installed: rows[0]?.installed === true }),
  );
  if (!installed.available) return installed;
  if (!installed.installed) return { available: false, reason: 'the pg_stat_statements extension is not installed' };
  return section(
    db,
    sql`select left(query, ${SLOW_QUERY_MAX}) as query, calls::float8 as calls, mean_exec_time::float8 as mean_ms,
          total_exec_time::float8 as total_ms, rows::float8 as rows
        from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())
        order by mean_exec_time desc
        limit ${SLOW_STATEMENTS_LIMIT}`,
    (rows: Array<Record<string, unknown>>) => ({
      data: rows.map(
        (r): SlowStatement => ({
          query: String(r.query),
          calls: num(r.calls),
          meanMs: num(r.mean_ms),
          totalMs: num(r.total_ms),
          rows: num(r.rows),
        }),
      ),
    }),
    { '55000': 'pg_stat_statements is installed but not loaded (shared_preload_libraries)' },
  );
}
