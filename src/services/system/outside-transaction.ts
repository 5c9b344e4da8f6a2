import { type SQL, sql } from 'drizzle-orm';
import { createPoolDb, type Database } from '../../db/client';
import type { Config } from '../../env';

export interface StatementOutcome {
  ok: boolean;
  /** How the statement reached the database. */
  via: 'http' | 'websocket';
  code?: string;
  reason?: string;
}

const ACTIVE_SQL_TRANSACTION = '25001';

// Drizzle wraps driver errors (DrizzleQueryError) with the PostgreSQL error as `cause`.
function rootError(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (typeof (current as { code?: unknown })?.code === 'string') return current;
    const cause = (current as { cause?: unknown })?.cause;
    if (cause === undefined) break;
    current = cause;
  }
  return current ?? error;
}

function errorCode(error: unknown): string | undefined {
  const code = (rootError(error) as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  const root = rootError(error);
  return root instanceof Error ? root.message : String(root);
}

/**
 * Runs statements that PostgreSQL refuses inside a transaction block (VACUUM, REINDEX
 * CONCURRENTLY). A single, non-batch HTTP query runs on its own, which is enough locally and
 * keeps to the HTTP path; should the endpoint wrap it in a transaction anyway (25001), the
 * statements go over one WebSocket session instead, the one case where HTTP cannot serve.
 * A refused statement is reported, never thrown, so one table or index cannot stop the rest.
 */
export async function runOutsideTransaction(
  db: Database,
  config: Config,
  ctx: ExecutionContext,
  statements: SQL[],
  options: { via?: 'http' | 'websocket' } = {},
): Promise<StatementOutcome[]> {
  const outcomes: StatementOutcome[] = [];
  let pool: ReturnType<typeof createPoolDb> | undefined =
    options.via === 'websocket' && statements.length > 0 ? createPoolDb(config) : undefined;
  try {
    for (const statement of statements) {
      if (!pool) {
        try {
          await db.execute(statement);
          outcomes.push({ ok: true, via: 'http' });
          continue;
        } catch (error) {
          if (errorCode(error) !== ACTIVE_SQL_TRANSACTION) {
            outcomes.push({ ok: false, via: 'http', code: errorCode(error), reason: errorMessage(error) });
            continue;
          }
          pool = createPoolDb(config);
        }
      }
      try {
        await pool.db.execute(statement);
        outcomes.push({ ok: true, via: 'websocket' });
      } catch (error) {
        outcomes.push({ ok: false, via: 'websocket', code: errorCode(error), reason: errorMessage(error) });
      }
    }
  } finally {
    if (pool) ctx.waitUntil(pool.end());
  }
  return outcomes;
}

/** SQL: may the current role maintain the table whose pg_class row is `alias`? */
export function mayMaintain(alias: string): SQL {
  const c = sql.raw(alias);
  return sql`(pg_has_role(current_user, ${c}.relowner, 'USAGE') or case
    when current_setting('server_version_num')::int >= 170000 then has_table_privilege(${c}.oid, 'MAINTAIN')
    else false end)`;
}

/**
 * Relations of the current schema among `names`, and whether the current role may maintain
 * each one (VACUUM, ANALYZE, REINDEX): its owner, or from PostgreSQL 17 a holder of MAINTAIN
 * on the table (pg_maintain). The CASE keeps older servers from parsing a privilege they lack.
 */
export async function ownership(
  db: Database,
  names: readonly string[],
): Promise<Map<string, { owned: boolean; kind: string }>> {
  const result = await db.execute<{ name: string; owned: boolean; kind: string }>(sql`
    select c.relname as name, ${mayMaintain('c')} as owned, c.relkind::text as kind
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relname in (${sql.join(
      names.map((n) => sql`${n}`),
      sql`, `,
    )})`);
  return new Map(result.rows.map((r) => [r.name, { owned: r.owned, kind: r.kind }]));
}
