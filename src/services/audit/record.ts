import { SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { AuditAction, AuditTargetType } from '../../db/enums';

/** Who made a change and from where: what every audit entry carries besides the change. */
export interface AuditContext {
  actorId: string | null;
  requestId: string | null;
  /** Already truncated (/24 or /48). */
  ip: string | null;
}

/** A change no request made: a scheduled job's. */
export const SYSTEM_AUDIT: AuditContext = { actorId: null, requestId: null, ip: null };

type Fields = Record<string, unknown>;

export interface AuditEntry {
  action: AuditAction;
  targetType: AuditTargetType;
  /** A value, or an expression over the statement's source rows. */
  targetId: string | SQL;
  /** The changed fields as they were and as they became: values, or jsonb expressions. */
  before?: Fields | SQL | null;
  after?: Fields | SQL | null;
}

const json = (value: Fields | SQL | null | undefined): SQL =>
  value instanceof SQL ? sql`(${value})::jsonb` : sql`${value == null ? null : JSON.stringify(value)}::jsonb`;

const AUDIT_COLUMNS = sql.raw(
  'audit_log (id, actor_id, action, target_type, target_id, before, after, request_id, ip_address)',
);

/** One entry's values in AUDIT_COLUMNS' order; `id` is per statement, so one row per statement. */
function auditValues(ctx: AuditContext, entry: AuditEntry): SQL {
  const target = entry.targetId instanceof SQL ? sql`(${entry.targetId})::text` : sql`${entry.targetId}::text`;
  return sql`${uuidv7()}::uuid, ${ctx.actorId}::uuid, ${entry.action}::audit_action,
    ${entry.targetType}::audit_target_type, ${target}, ${json(entry.before)}, ${json(entry.after)},
    ${ctx.requestId}::text, ${ctx.ip}::text`;
}

/**
 * `insert into audit_log … select … <source>`: an entry written only when `source` (a FROM and
 * WHERE clause, e.g. a CTE of the rows a statement changed) yields its row. Used inside a
 * change's own statement, or in its batch before the change with the change's condition and
 * FOR UPDATE, so that the change then surely happens: no entry without its change.
 */
export function auditInsertFrom(ctx: AuditContext, entry: AuditEntry, source: SQL): SQL {
  return sql`insert into ${AUDIT_COLUMNS} select ${auditValues(ctx, entry)} ${source}`;
}

/** One unconditional entry, as a statement of the change's batch. */
export function auditInsert(db: Database, ctx: AuditContext, entry: AuditEntry) {
  return db.execute(sql`insert into ${AUDIT_COLUMNS} values (${auditValues(ctx, entry)})`);
}

/** A batchable statement of `auditInsertFrom`. */
export function auditInsertWhere(db: Database, ctx: AuditContext, entry: AuditEntry, source: SQL) {
  return db.execute(auditInsertFrom(ctx, entry, source));
}
