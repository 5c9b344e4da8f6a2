import { sql } from 'drizzle-orm';
import { createDb, type Database } from '../../db/client';
import type { Config } from '../../env';
import { mayMaintain, ownership, runOutsideTransaction, type StatementOutcome } from './outside-transaction';

/** Tables with the most inserts, updates and deletes: the ones that collect dead tuples. */
export const BUSY_TABLES = [
  'analytics_events',
  'notification_queue',
  'refresh_tokens',
  'sessions',
  'job_runs',
  'inquiries',
  'inquiry_events',
  'properties',
  'property_images',
  'users',
] as const;

export type TableOutcome = { table: string; status: 'done' | 'skipped' | 'failed'; reason?: string; via?: string };

/** Where VACUUM and REINDEX run: the maintenance role's connection, or the app's own. */
export interface MaintenanceConnection {
  db: Database;
  config: Config;
  /** True when DATABASE_MAINTENANCE_URL is set. */
  dedicated: boolean;
}

/**
 * The connection for VACUUM and REINDEX: DATABASE_MAINTENANCE_URL when set (the owner, or a
 * pg_maintain role), else the app's own, which only reaches what the app role owns (everything
 * locally, where it is the owner; nothing in production).
 */
export function maintenanceConnection(db: Database, config: Config, url: string | undefined): MaintenanceConnection {
  if (!url) return { db, config, dedicated: false };
  const own = { ...config, DATABASE_URL: url, DATABASE_READ_URL: undefined };
  return { db: createDb(own), config: own, dedicated: true };
}

function notMaintainable(connection: MaintenanceConnection, what: string): string {
  return connection.dedicated
    ? `the maintenance role (DATABASE_MAINTENANCE_URL) may not ${what} it`
    : `no maintenance connection (DATABASE_MAINTENANCE_URL unset) and the app role may not ${what} it`;
}

function describe(name: string, key: 'table' | 'index', outcome: StatementOutcome) {
  return outcome.ok
    ? { [key]: name, status: 'done' as const, via: outcome.via }
    : { [key]: name, status: 'failed' as const, reason: outcome.reason, code: outcome.code };
}

/** Every ordinary, partitioned or materialized table of schema public, by name. */
export async function schemaTables(db: Database): Promise<string[]> {
  const result = await db.execute<{ name: string }>(sql`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p', 'm') and not c.relispartition
    order by c.relname`);
  return result.rows.map((r) => r.name);
}

/**
 * ANALYZE of every table of the schema through maintenance_analyze(), a SECURITY DEFINER
 * function of the owner (drizzle/*_maintenance-analyze-function.sql): the app role may call
 * it, and it analyzes as the owner. One call per table, each within the statement timeout.
 */
export async function analyzeAllTables(db: Database): Promise<TableOutcome[]> {
  const out: TableOutcome[] = [];
  for (const table of await schemaTables(db)) {
    try {
      const result = await db.execute<{ ok: boolean }>(sql`select maintenance_analyze(${table}) as ok`);
      out.push(
        result.rows[0]?.ok
          ? { table, status: 'done', via: 'maintenance_analyze()' }
          : { table, status: 'failed', reason: "the function's owner does not own this table" },
      );
    } catch (error) {
      out.push({ table, status: 'failed', reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}

export async function vacuumTables(
  connection: MaintenanceConnection,
  ctx: ExecutionContext,
  tables: readonly string[],
): Promise<TableOutcome[]> {
  const { db, config } = connection;
  const owners = await ownership(db, tables);
  const owned = tables.filter((t) => owners.get(t)?.owned);
  const outcomes = await runOutsideTransaction(
    db,
    config,
    ctx,
    owned.map((t) => sql`vacuum (analyze) ${sql.identifier(t)}`),
  );
  return tables.map((table) => {
    const index = owned.indexOf(table);
    const outcome = outcomes[index];
    if (index < 0 || !outcome) return { table, status: 'skipped', reason: notMaintainable(connection, 'VACUUM') };
    return describe(table, 'table', outcome) as TableOutcome;
  });
}

export interface IndexOutcome {
  index: string;
  table: string;
  bytesBefore: number;
  status: 'done' | 'skipped';
  reason?: string;
  code?: string;
  via?: string;
}

/**
 * REINDEX INDEX CONCURRENTLY of the largest valid indexes of the busy tables (readers and
 * writers go on meanwhile). Any refusal (not the owner, CONCURRENTLY unsupported, ...) is
 * recorded with its reason. A build a crash left behind (an invalid `*_ccnew` index) is
 * dropped first, so a re-run starts clean.
 */
export async function reindexLargest(
  connection: MaintenanceConnection,
  ctx: ExecutionContext,
  limit: number,
): Promise<{ indexes: IndexOutcome[]; leftoversDropped: string[] }> {
  const { db, config } = connection;
  const tables = sql.join(
    BUSY_TABLES.map((t) => sql`${t}`),
    sql`, `,
  );
  const leftovers = await db.execute<{ name: string }>(sql`
    select i.relname as name
    from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = i.relnamespace
    where n.nspname = current_schema() and not x.indisvalid and i.relname like '%\\_ccnew%'
      and ${mayMaintain('t')}`);
  const leftoversDropped: string[] = [];
  const dropped = await runOutsideTransaction(
    db,
    config,
    ctx,
    leftovers.rows.map((r) => sql`drop index concurrently if exists ${sql.identifier(r.name)}`),
  );
  dropped.forEach((o, i) => {
    const name = leftovers.rows[i]?.name;
    if (o.ok && name) leftoversDropped.push(name);
  });

  const candidates = await db.execute<{ index: string; table: string; bytes: string; owned: boolean }>(sql`
    select i.relname as index, t.relname as table, pg_relation_size(i.oid)::text as bytes,
      ${mayMaintain('t')} as owned
    from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = current_schema() and t.relname in (${tables}) and x.indisvalid
    order by pg_relation_size(i.oid) desc, i.relname
    limit ${limit}`);

  const owned = candidates.rows.filter((r) => r.owned);
  const outcomes = await runOutsideTransaction(
    db,
    config,
    ctx,
    owned.map((r) => sql`reindex index concurrently ${sql.identifier(r.index)}`),
  );
  const indexes = candidates.rows.map((row): IndexOutcome => {
    const base = { index: row.index, table: row.table, bytesBefore: Number(row.bytes) };
    const outcome = outcomes[owned.indexOf(row)];
    if (!row.owned || !outcome) return { ...base, status: 'skipped', reason: notMaintainable(connection, 'REINDEX') };
    if (outcome.ok) return { ...base, status: 'done', via: outcome.via };
    return { ...base, status: 'skipped', reason: outcome.reason, code: outcome.code, via: outcome.via };
  });
  return { indexes, leftoversDropped };
}
