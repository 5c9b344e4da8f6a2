import { asc, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { ListingStatus } from '../../db/enums';
import { properties, propertyStatusHistory } from '../../db/schema';
import { conflict, notFound } from '../../lib/errors';
import { type AuditContext, auditInsertFrom } from '../audit/record';

/** The contract's state machine: from → allowed next statuses. sold and rented are final. */
export const TRANSITIONS: Record<ListingStatus, readonly ListingStatus[]> = {
  draft: ['active'],
  active: ['pending', 'off_market'],
  pending: ['active', 'sold', 'rented'],
  off_market: ['active'],
  sold: [],
  rented: [],
};

/** Statuses from which `to` may be reached. */
export function allowedFrom(to: ListingStatus): ListingStatus[] {
  return (Object.keys(TRANSITIONS) as ListingStatus[]).filter((from) => TRANSITIONS[from].includes(to));
}

export interface StatusChange {
  from: ListingStatus;
  to: ListingStatus;
}

/**
 * Moves a listing to `to` only if its current status allows it, and records the change in the
 * history, in ONE statement: the data-modifying CTE updates at most one row (locked, so two
 * concurrent changes cannot both start from the same status) and the insert reads from it.
 */
export async function changeListingStatus(
  db: Database,
  input: { propertyId: string; to: ListingStatus; reason: string | null; actorId: string },
  audit: AuditContext,
): Promise<StatusChange> {
  const from = allowedFrom(input.to);
  const fromList = sql.join(
    from.map((s) => sql`${s}::property_status`),
    sql`, `,
  );
  const moved =
    from.length === 0
      ? { rows: [] }
      : await db.execute<{ from_status: ListingStatus; to_status: ListingStatus }>(sql`
    with current_row as (
      select id, status from ${properties} where id = ${input.propertyId} for update
    ), moved as (
      update ${properties} p
         set status = ${input.to}::property_status,
             version = p.version + 1,
             published_at = case when ${input.to}::property_status = 'active'
                                 then coalesce(p.published_at, now()) else p.published_at end
        from current_row c
       where p.id = c.id and c.status in (${fromList})
      returning p.id, c.status as from_status, p.status as to_status
    ), audited as (
      ${auditInsertFrom(
        audit,
        {
          action: 'listing.status',
          targetType: 'listing',
          targetId: input.propertyId,
          before: sql`jsonb_build_object('status', from_status)`,
          after: sql`jsonb_build_object('status', to_status, 'reason', ${input.reason}::text)`,
        },
        sql`from moved`,
      )}
    )
    insert into ${propertyStatusHistory} (id, property_id, from_status, to_status, reason, changed_by)
    select ${uuidv7()}, id, from_status, to_status, ${input.reason}, ${input.actorId} from moved
    returning from_status, to_status`);
  const row = moved.rows[0];
  if (row) return { from: row.from_status, to: row.to_status };
  const current = await db
    .select({ status: properties.status })
    .from(properties)
    .where(eq(properties.id, input.propertyId));
  const status = current[0]?.status;
  if (!status) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
  throw conflict('INVALID_TRANSITION', `A listing cannot move from ${status} to ${input.to}.`);
}

export interface HistoryEntry {
  from: ListingStatus | null;
  to: ListingStatus;
  reason: string | null;
  changedBy: string | null;
  changedAt: string;
}

/** The status history, oldest first (kept after the listing is deleted); null when there never was such a listing. */
export async function listingHistory(db: Database, propertyId: string): Promise<HistoryEntry[] | null> {
  const [exists, rows] = await db.batch([
    db.select({ id: properties.id }).from(properties).where(eq(properties.id, propertyId)),
    db
      .select()
      .from(propertyStatusHistory)
      .where(eq(propertyStatusHistory.propertyId, propertyId))
      .orderBy(asc(propertyStatusHistory.changedAt), asc(propertyStatusHistory.id)),
  ]);
  if (exists.length === 0 && rows.length === 0) return null;
  return rows.map((r) => ({
    from: r.fromStatus,
    to: r.toStatus,
    reason: r.reason,
    changedBy: r.changedBy,
    changedAt: r.changedAt.toISOString(),
  }));
}
