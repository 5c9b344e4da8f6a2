import { z } from '@hono/zod-openapi';
import { INQUIRY_EVENT_TYPES, INQUIRY_STATUSES } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';
import { pageQuery, pageSchema } from '../shared/schemas';

const StatusSchema = z.enum(INQUIRY_STATUSES);
const Timestamp = z.string().max(40).openapi({ format: 'date-time' });
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
    property: z.object({ id: UuidSchema, slug: z.string(), title: z.string() }).nullable(),
    deletedProperty: z.object({ id: UuidSchema, title: z.string() }).nullable().openapi({
      description: 'The listing this inquiry was about, as it was when it was deleted (propertyId is then null)',
    }),
    name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    message: z.string(),
    status: StatusSchema,
    assignedTo: UuidSchema.nullable(),
    assignee: z.object({ id: UuidSchema, name: z.string(), email: z.string() }).nullable(),
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
    note: z.string().nullable(),
    actorId: UuidSchema.nullable(),
    actor: z.object({ id: UuidSchema, name: z.string() }).nullable(),
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
      .refine((v) => [...v].length <= 5000, 'must be at most 5000 characters')
      .refine((v) => !v.includes('\u0000'), 'must not contain NUL')
      .optional()
      .openapi({ minLength: 1, maxLength: 5000, pattern: '^[^\\u0000]*$' }),
  })
  .strict()
  .refine((v) => v.status !== undefined || v.assignedTo !== undefined || v.note !== undefined, {
    message: 'give at least one of status, assignedTo, note',
  })
  .openapi('InquiryPatch', { minProperties: 1 });
