import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Config } from '../../env';
import { ownership, runOutsideTransaction, type StatementOutcome } from './outside-transaction';

/** The tables the seed's maintenance chapter ANALYZEs after its cleanup. */
export const ANALYZE_TABLES = ['users', 'properties', 'property_images', 'inquiries'] as const;

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

function describe(name: string, key: 'table' | 'index', outcome: StatementOutcome) {
  return outcome.ok
    ? { [key]: name, status: 'done' as const, via: outcome.via }
    : { [key]: name, status: 'failed' as const, reason: outcome.reason, code: outcome.code };
}

/** ANALYZE (allowed in a transaction, so plain HTTP); tables the role does not own are reported, not tried. */
export async function analyzeTables(db: Database, tables: readonly string[]): Promise<TableOutcome[]> {
  const owners = await ownership(db, tables);
  const out: TableOutcome[] = [];
  for (const table of tables) {
    if (!owners.get(table)?.owned) {
      out.push({ table, status: 'skipped', reason: 'only the table owner may ANALYZE it' });
      continue;
    }
    await db.execute(sql`analyze ${sql.identifier(table)}`);
    out.push({ table, status: 'done' });
  }
  return out;
}

export async function vacuumTables(
  db: Database,
  config: Config,
  ctx: ExecutionContext,
  tables: readonly string[],
): Promise<TableOutcome[]> {
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
    if (index < 0 || !outcome) return { table, status: 'skipped', reason: 'only the table owner may VACUUM it' };
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
  db: Database,
  config: Config,
  ctx: ExecutionContext,
  limit: number,
): Promise<{ indexes: IndexOutcome[]; leftoversDropped: string[] }> {
  const tables = sql.join(
    BUSY_TABLES.map((t) => sql`${t}`),
    sql`, `,
  );
  const leftovers = await db.execute<{ name: string }>(sql`
    select i.relname as name
    from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_namespace n on n.oid = i.relnamespace
    where n.nspname = current_schema() and not x.indisvalid and i.relname like '%\\_ccnew%'
      and pg_has_role(current_user, i.relowner, 'USAGE')`);
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
      pg_has_role(current_user, i.relowner, 'USAGE') as owned
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
    if (!row.owned || !outcome) return { ...base, status: 'skipped', reason: 'only the index owner may REINDEX it' };
    if (outcome.ok) return { ...base, status: 'done', via: outcome.via };
    return { ...base, status: 'skipped', reason: outcome.reason, code: outcome.code, via: outcome.via };
  });
  return { indexes, leftoversDropped };
}
