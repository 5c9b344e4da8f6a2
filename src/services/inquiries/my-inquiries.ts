import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { InquiryStatus } from '../../db/enums';
import { newestFirst } from '../../db/newest-first';
import { inquiries } from '../../db/schema';

export interface MyInquiryJson {
  id: string;
  propertyId: string | null;
  status: InquiryStatus;
  message: string;
  createdAt: string;
}

/**
 * The inquiries `userId` sent signed in, newest first, with their current status (staff's
 * changes show at once). Only the sender's own: the cursor is bound to the user too.
 */
export async function listMyInquiries(
  db: Database,
  userId: string,
  page: { limit: number; cursor?: string | undefined },
  cursorSecret: string,
): Promise<{ data: MyInquiryJson[]; nextCursor: string | null }> {
  const keyset = newestFirst(cursorSecret, `my-inquiries:${userId}`, { time: inquiries.createdAt, id: inquiries.id });
  const conditions: SQL[] = [eq(inquiries.userId, userId)];
  if (page.cursor) conditions.push(await keyset.after(page.cursor));
  const rows = await db
    .select({
      id: inquiries.id,
      propertyId: inquiries.propertyId,
      status: inquiries.status,
      message: inquiries.message,
      createdAt: inquiries.createdAt,
      createdAtExact: sql<string>`${inquiries.createdAt}::text`,
    })
    .from(inquiries)
    .where(and(...conditions))
    .orderBy(keyset.orderBy)
    .limit(page.limit + 1);
  const { page: shown, nextCursor } = await keyset.page(rows, page.limit, (r) => r.createdAtExact);
  return {
    data: shown.map((r) => ({
      id: r.id,
      propertyId: r.propertyId,
      status: r.status,
      message: r.message,
      createdAt: r.createdAt.toISOString(),
    })),
    nextCursor,
  };
}
