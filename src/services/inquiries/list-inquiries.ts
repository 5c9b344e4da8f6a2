import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { InquiryStatus } from '../../db/enums';
import { newestFirst } from '../../db/newest-first';
import { inquiries } from '../../db/schema';
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
  const keyset = newestFirst(cursorSecret, cursorScope(filters), { time: inquiries.createdAt, id: inquiries.id });
  const conditions: SQL[] = [];
  if (filters.status) conditions.push(eq(inquiries.status, filters.status));
  if (filters.assignedTo) conditions.push(eq(inquiries.assignedTo, filters.assignedTo));
  if (filters.propertyId) conditions.push(eq(inquiries.propertyId, filters.propertyId));
  if (filters.from) conditions.push(gte(inquiries.createdAt, new Date(filters.from)));
  if (filters.to) conditions.push(lt(inquiries.createdAt, new Date(filters.to)));
  if (filters.cursor) conditions.push(await keyset.after(filters.cursor));
  const rows = await selectInquiries(db)
    .where(and(...conditions))
    .orderBy(desc(inquiries.createdAt), desc(inquiries.id))
    .limit(filters.limit + 1);
  const { page, nextCursor } = await keyset.page(rows, filters.limit, (r) => r.createdAtExact);
  return { data: page.map(toInquiryJson), nextCursor };
}
