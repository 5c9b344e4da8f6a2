import { z } from '@hono/zod-openapi';
import { INQUIRY_EVENT_TYPES, INQUIRY_STATUSES } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';
import { InquiryBodySchema, StoredEmailSchema, StoredPhoneSchema } from '../inquiries/inquiries.schemas';
import { Slug, Title } from '../shared/listing-fields';
import { pageQuery, pageSchema, TimestampSchema as Timestamp } from '../shared/schemas';
import { EmailSchema, NameSchema } from '../shared/users';

const StatusSchema = z.enum(INQUIRY_STATUSES);
/** inquiry_events_note_length; PostgreSQL text holds no NUL. */
const NOTE_MAX = 5000;
const Instant = z.union([z.iso.datetime({ offset: true }).max(40), z.iso.date().max(10)]);

export const InquiryListQuerySchema = z.object({
  status: StatusSchema.optional(),
  assignedTo: UuidSchema.optional(),
  propertyId: UuidSchema.optional(),
  from: Instant.optional().openapi({ description: 'Created at or after (ISO 8601 date or date-time).' }),
  to: Instant.optional().openapi({ description: 'Created before (ISO 8601 date or date-time).' }),
  ...pageQuery,
});

// Any string: an id that is not a UUID is simply not found (404), like an unknown one.
export const InquiryIdParamsSchema = z.object({ id: z.string().max(100).openapi({ format: 'uuid' }) });

export const InquirySchema = z
  .object({
    id: UuidSchema,
    propertyId: UuidSchema.nullable(),
    property: z.object({ id: UuidSchema, slug: Slug, title: Title }).nullable(),
    deletedProperty: z.object({ id: UuidSchema, title: Title }).nullable().openapi({
      description: 'The listing this inquiry was about, as it was when it was deleted (propertyId is then null)',
    }),
    name: InquiryBodySchema.shape.name,
    email: StoredEmailSchema,
    phone: StoredPhoneSchema.nullable(),
    message: InquiryBodySchema.shape.message,
    status: StatusSchema,
    assignedTo: UuidSchema.nullable(),
    assignee: z.object({ id: UuidSchema, name: NameSchema, email: EmailSchema }).nullable(),
    firstRespondedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Inquiry');

export const InquiryEventSchema = z
  .object({
    id: UuidSchema,
    type: z.enum(INQUIRY_EVENT_TYPES),
    fromStatus: StatusSchema.nullable(),
    toStatus: StatusSchema.nullable(),
    assignedTo: UuidSchema.nullable(),
    note: z.string().max(NOTE_MAX).nullable().openapi({ pattern: '^[^\\u0000]*$' }),
    actorId: UuidSchema.nullable(),
    actor: z.object({ id: UuidSchema, name: NameSchema }).nullable(),
    createdAt: Timestamp,
  })
  .openapi('InquiryEvent');

export const InquiryDetailSchema = InquirySchema.extend({ history: z.array(InquiryEventSchema) }).openapi(
  'InquiryDetail',
);

export const InquiryListSchema = pageSchema(InquirySchema).openapi('InquiryList');

export const InquiryPatchSchema = z
  .object({
    status: StatusSchema.optional(),
    assignedTo: UuidSchema.nullable().optional().openapi({ description: 'An active admin; null unassigns.' }),
    note: z
      .string()
      .trim()
      .min(1)
      .refine((v) => [...v].length <= NOTE_MAX, `must be at most ${NOTE_MAX} characters`)
      .refine((v) => !v.includes('\u0000'), 'must not contain NUL')
      .optional()
      .openapi({ minLength: 1, maxLength: NOTE_MAX, pattern: '^[^\\u0000]*$' }),
  })
  .strict()
  .refine((v) => v.status !== undefined || v.assignedTo !== undefined || v.note !== undefined, {
    message: 'give at least one of status, assignedTo, note',
  })
  .openapi('InquiryPatch', { minProperties: 1 });
