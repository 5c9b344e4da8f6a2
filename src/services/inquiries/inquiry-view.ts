import { eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client';
import { inquiries, properties, users } from '../../db/schema';

const assignee = alias(users, 'assignee');

/** The columns an admin sees for an inquiry, plus the exact created_at text for cursors. */
export const inquiryColumns = {
  id: inquiries.id,
  propertyId: inquiries.propertyId,
  propertySlug: properties.slug,
  propertyTitle: properties.title,
  deletedPropertyId: inquiries.deletedPropertyId,
  deletedPropertyTitle: inquiries.deletedPropertyTitle,
  name: inquiries.name,
  email: inquiries.email,
  phone: inquiries.phone,
  message: inquiries.message,
  status: inquiries.status,
  assignedTo: inquiries.assignedTo,
  assigneeName: assignee.name,
  assigneeEmail: assignee.email,
  firstRespondedAt: inquiries.firstRespondedAt,
  createdAt: inquiries.createdAt,
  updatedAt: inquiries.updatedAt,
  // Microseconds matter for keyset order; a JS Date would drop them.
  createdAtExact: sql<string>`${inquiries.createdAt}::text`,
};

export function selectInquiries(db: Database) {
  return db
    .select(inquiryColumns)
    .from(inquiries)
    .leftJoin(properties, eq(properties.id, inquiries.propertyId))
    .leftJoin(assignee, eq(assignee.id, inquiries.assignedTo));
}

type InquiryRow = Awaited<ReturnType<ReturnType<typeof selectInquiries>['execute']>>[number];

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export function toInquiryJson(row: InquiryRow) {
  return {
    id: row.id,
    propertyId: row.propertyId,
    property:
      row.propertyId && row.propertySlug && row.propertyTitle
        ? { id: row.propertyId, slug: row.propertySlug, title: row.propertyTitle }
        : null,
    deletedProperty:
      row.deletedPropertyId && row.deletedPropertyTitle !== null
        ? { id: row.deletedPropertyId, title: row.deletedPropertyTitle }
        : null,
    name: row.name,
    email: row.email,
    phone: row.phone,
    message: row.message,
    status: row.status,
    assignedTo: row.assignedTo,
    assignee:
      row.assignedTo && row.assigneeName && row.assigneeEmail
        ? { id: row.assignedTo, name: row.assigneeName, email: row.assigneeEmail }
        : null,
    firstRespondedAt: iso(row.firstRespondedAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type InquiryJson = ReturnType<typeof toInquiryJson>;
