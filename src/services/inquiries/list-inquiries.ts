import { and, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { InquiryStatus } from '../../db/enums';
import { inquiries } from '../../db/schema';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor';
import { isUuid } from '../../lib/uuid';
import { type InquiryJson, selectInquiries, toInquiryJson } from './inquiry-view';

export interface InquiryFilters {
  status?: InquiryStatus;
  assignedTo?: string;
  propertyId?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

interface CursorPayload {
  t: string;
  i: string;
}

// created_at as PostgreSQL prints it, e.g. 2031-05-10 12:03:00.123456+00
const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/** A cursor only continues the list it came from: the filters are part of its MAC. */
function cursorScope(f: InquiryFilters): string {
  return `admin-inquiries:${JSON.stringify([f.status ?? null, f.assignedTo ?? null, f.propertyId ?? null, f.from ?? null, f.to ?? null])}`;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listInquiries(
  db: Database,
  cursorSecret: string,
  filters: InquiryFilters,
): Promise<{ data: InquiryJson[]; nextCursor: string | null }> {
  const scope = { scope: cursorScope(filters) };
  const conditions: SQL[] = [];
  if (filters.status) conditions.push(eq(inquiries.status, filters.status));
  if (filters.assignedTo) conditions.push(eq(inquiries.assignedTo, filters.assignedTo));
  if (filters.propertyId) conditions.push(eq(inquiries.propertyId, filters.propertyId));
  if (filters.from) conditions.push(gte(inquiries.createdAt, new Date(filters.from)));
  if (filters.to) conditions.push(lt(inquiries.createdAt, new Date(filters.to)));
  if (filters.cursor) {
    const position = await decodeCursor<CursorPayload>(cursorSecret, filters.cursor, scope);
    if (
      typeof position?.t !== 'string' ||
      typeof position.i !== 'string' ||
      !isUuid(position.i) ||
      !PG_TIMESTAMPTZ.test(position.t)
    ) {
      throw invalidCursor();
    }
    conditions.push(sql`(${inquiries.createdAt}, ${inquiries.id}) < (${position.t}::timestamptz, ${position.i}::uuid)`);
  }
  const rows = await selectInquiries(db)
    .where(and(...conditions))
    .orderBy(desc(inquiries.createdAt), desc(inquiries.id))
    .limit(filters.limit + 1);
  const page = rows.slice(0, filters.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > filters.limit && last
      ? await encodeCursor(cursorSecret, { t: last.createdAtExact, i: last.id } satisfies CursorPayload, scope)
      : null;
  return { data: page.map(toInquiryJson), nextCursor };
}
