import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { inquiries, inquiryEvents, users } from '../../db/schema';
import { notFound } from '../../lib/errors';
import { isUuid } from '../../lib/uuid';
import { selectInquiries, toInquiryJson } from './inquiry-view';

/** One inquiry with its whole history, oldest first; one batch. */
export async function getInquiry(db: Database, id: string) {
  if (!isUuid(id)) throw notFound('INQUIRY_NOT_FOUND', 'No inquiry has this id.');
  const [rows, events] = await db.batch([
    selectInquiries(db).where(eq(inquiries.id, id)),
    db
      .select({
        id: inquiryEvents.id,
        type: inquiryEvents.type,
        fromStatus: inquiryEvents.fromStatus,
        toStatus: inquiryEvents.toStatus,
        assignedTo: inquiryEvents.assignedTo,
        note: inquiryEvents.note,
        actorId: inquiryEvents.actorId,
        actorName: users.name,
        createdAt: inquiryEvents.createdAt,
      })
      .from(inquiryEvents)
      .leftJoin(users, eq(users.id, inquiryEvents.actorId))
      .where(eq(inquiryEvents.inquiryId, id))
      .orderBy(asc(inquiryEvents.createdAt), asc(inquiryEvents.id)),
  ]);
  const row = rows[0];
  if (!row) throw notFound('INQUIRY_NOT_FOUND', 'No inquiry has this id.');
  return {
    ...toInquiryJson(row),
    history: events.map((e) => ({
      id: e.id,
      type: e.type,
      fromStatus: e.fromStatus,
      toStatus: e.toStatus,
      assignedTo: e.assignedTo,
      note: e.note,
      actorId: e.actorId,
      actor: e.actorId && e.actorName ? { id: e.actorId, name: e.actorName } : null,
      createdAt: e.createdAt.toISOString(),
    })),
  };
}

export type InquiryDetail = Awaited<ReturnType<typeof getInquiry>>;
