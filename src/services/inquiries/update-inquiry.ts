import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { InquiryStatus } from '../../db/enums';
import { ApiError, conflict, notFound } from '../../lib/errors';
import { isUuid } from '../../lib/uuid';
import { type AuditContext, auditInsertFrom } from '../audit/record';
import { allowedNext, canTransition } from './transitions';

export interface InquiryPatch {
  status?: InquiryStatus;
  /** null unassigns. */
  assignedTo?: string | null;
  note?: string;
}

export interface InquiryUpdateResult {
  /** Queue rows to send right away (the new assignee's email). */
  notificationIds: string[];
}

type Current = {
  status: InquiryStatus;
  assigned_to: string | null;
  name: string;
  email: string;
  phone: string | null;
  message: string;
  property_title: string | null;
};

const MAX_TRIES = 3;

async function load(db: Database, id: string, assigneeId: string | null, actorId: string) {
  const [inquiry, assignee, actor] = await db.batch([
    db.execute<Current>(sql`
      select i.status, i.assigned_to, i.name, i.email, i.phone, i.message, p.title as property_title
      from inquiries i left join properties p on p.id = i.property_id
      where i.id = ${id}`),
    db.execute<{ id: string; email: string }>(sql`
      select id, email from users
      where id = ${assigneeId} and is_active and role in ('admin', 'super_admin')`),
    db.execute<{ name: string }>(sql`select name from users where id = ${actorId}`),
  ]);
  return { current: inquiry.rows[0], assignee: assignee.rows[0], actorName: actor.rows[0]?.name ?? null };
}

/**
 * Applies a status change, an assignment and a note as ONE statement: the inquiry update,
 * its history rows and the assignee's email commit together. The update is guarded by the
 * state it was validated against; if another admin changed the inquiry in between, it is
 * re-read and re-validated.
 */
export async function updateInquiry(
  db: Database,
  id: string,
  patch: InquiryPatch,
  actorId: string,
  audit: AuditContext,
): Promise<InquiryUpdateResult> {
  if (!isUuid(id)) throw notFound('INQUIRY_NOT_FOUND', 'No inquiry has this id.');
  for (let attempt = 0; attempt < MAX_TRIES; attempt += 1) {
    const assigneeId = typeof patch.assignedTo === 'string' ? patch.assignedTo : null;
    const { current, assignee, actorName } = await load(db, id, assigneeId, actorId);
    if (!current) throw notFound('INQUIRY_NOT_FOUND', 'No inquiry has this id.');
    if (patch.status !== undefined && !canTransition(current.status, patch.status)) {
      const next = allowedNext(current.status);
      throw conflict(
        'INVALID_TRANSITION',
        `An inquiry cannot go from ${current.status} to ${patch.status}${next.length ? `; allowed: ${next.join(', ')}` : '; it is final'}.`,
      );
    }
    if (assigneeId && !assignee) {
      throw new ApiError({
        code: 'INVALID_ASSIGNEE',
        detail: 'Inquiries can only be assigned to an active admin.',
        errors: [{ path: 'assignedTo', message: 'not an active admin or super admin' }],
      });
    }

    const newStatus = patch.status ?? current.status;
    const reassigned = patch.assignedTo !== undefined && patch.assignedTo !== current.assigned_to;
    const newAssigned = reassigned ? (patch.assignedTo ?? null) : current.assigned_to;
    const events: Array<Record<string, string | null>> = [];
    if (patch.status !== undefined) {
      events.push({ id: uuidv7(), type: 'status_changed', from_status: current.status, to_status: newStatus });
    }
    if (reassigned) events.push({ id: uuidv7(), type: 'assigned', assigned_to: newAssigned });
    if (patch.note !== undefined) events.push({ id: uuidv7(), type: 'note', note: patch.note });
    if (events.length === 0) return { notificationIds: [] };

    const notifications =
      reassigned && assignee
        ? [
            {
              id: uuidv7(),
              kind: 'inquiry_assigned',
              recipient: assignee.email,
              payload: {
                inquiryId: id,
                name: current.name,
                email: current.email,
                phone: current.phone,
                message: current.message,
                propertyTitle: current.property_title,
                assignedByName: actorName,
              },
              idempotency_key: `inquiry:${id}:assigned:${events.find((e) => e.type === 'assigned')?.id}`,
            },
          ]
        : [];

    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    if (patch.status !== undefined) [before.status, after.status] = [current.status, newStatus];
    if (reassigned) [before.assignedTo, after.assignedTo] = [current.assigned_to, newAssigned];
    if (patch.note !== undefined) after.note = patch.note;
    const entry = { action: 'inquiry.update', targetType: 'inquiry', targetId: id, before, after } as const;

    const result = await db.execute<{ updated: number }>(sql`
      with upd as (
        update inquiries set
          status = ${newStatus}::inquiry_status,
          assigned_to = ${newAssigned}::uuid,
          first_responded_at = case
            when first_responded_at is null and status = 'new' and ${newStatus}::inquiry_status <> 'new' then now()
            else first_responded_at end,
          updated_at = now()
        where id = ${id}
          and status = ${current.status}::inquiry_status
          and assigned_to is not distinct from ${current.assigned_to}::uuid
          and (${reassigned ? newAssigned : null}::uuid is null or exists (
            select 1 from users
            where id = ${reassigned ? newAssigned : null}::uuid and is_active and role in ('admin', 'super_admin')))
        returning id
      ),
      history as (
        insert into inquiry_events (id, inquiry_id, type, from_status, to_status, assigned_to, note, actor_id)
        select v.id, ${id}, v.type::inquiry_event_type, v.from_status::inquiry_status, v.to_status::inquiry_status,
          v.assigned_to, v.note, ${actorId}
        from jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
          as v(id uuid, type text, from_status text, to_status text, assigned_to uuid, note text)
        where exists (select 1 from upd)
      ),
      queued as (
        insert into notification_queue (id, kind, recipient, payload, idempotency_key)
        select v.id, v.kind, v.recipient, v.payload, v.idempotency_key
        from jsonb_to_recordset(${JSON.stringify(notifications)}::jsonb)
          as v(id uuid, kind text, recipient text, payload jsonb, idempotency_key text)
        where exists (select 1 from upd)
        on conflict (idempotency_key) do nothing
      ),
      audited as (${auditInsertFrom(audit, entry, sql`where exists (select 1 from upd)`)})
      select count(*)::int as updated from upd`);
    if (Number(result.rows[0]?.updated ?? 0) > 0) return { notificationIds: notifications.map((n) => n.id) };
  }
  throw conflict('CONCURRENT_UPDATE', 'The inquiry kept changing while this update was applied; retry.');
}
