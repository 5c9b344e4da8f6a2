import { and, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { AuditAction, AuditTargetType } from '../../db/enums';
import { newestFirst } from '../../db/newest-first';
import { auditLog } from '../../db/schema';

export interface AuditFilters {
  actorId?: string;
  targetType?: AuditTargetType;
  targetId?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export interface AuditEntryJson {
  id: string;
  at: string;
  actorId: string | null;
  action: AuditAction;
  target: { type: AuditTargetType; id: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  ip: string | null;
}

function cursorScope(f: AuditFilters): string {
  return `admin-audit:${JSON.stringify([f.actorId ?? null, f.targetType ?? null, f.targetId ?? null, f.action ?? null, f.from ?? null, f.to ?? null])}`;
}

/** Newest first, keyset-paginated on (at, id). */
export async function listAuditEntries(
  db: Database,
  cursorSecret: string,
  filters: AuditFilters,
): Promise<{ data: AuditEntryJson[]; nextCursor: string | null }> {
  const keyset = newestFirst(cursorSecret, cursorScope(filters), { time: auditLog.at, id: auditLog.id });
  const conditions: SQL[] = [];
  if (filters.actorId) conditions.push(eq(auditLog.actorId, filters.actorId));
  if (filters.targetType) conditions.push(eq(auditLog.targetType, filters.targetType));
  if (filters.targetId) conditions.push(eq(auditLog.targetId, filters.targetId));
  if (filters.action) conditions.push(eq(auditLog.action, filters.action));
  if (filters.from) conditions.push(gte(auditLog.at, new Date(filters.from)));
  if (filters.to) conditions.push(lt(auditLog.at, new Date(filters.to)));
  if (filters.cursor) conditions.push(await keyset.after(filters.cursor));
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      atExact: sql<string>`${auditLog.at}::text`,
      actorId: auditLog.actorId,
      action: auditLog.action,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      before: auditLog.before,
      after: auditLog.after,
      requestId: auditLog.requestId,
      ip: auditLog.ipAddress,
    })
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(filters.limit + 1);
  const { page, nextCursor } = await keyset.page(rows, filters.limit, (r) => r.atExact);
  return {
    data: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actorId: r.actorId,
      action: r.action,
      target: { type: r.targetType, id: r.targetId },
      before: r.before ?? null,
      after: r.after ?? null,
      requestId: r.requestId,
      ip: r.ip,
    })),
    nextCursor,
  };
}
