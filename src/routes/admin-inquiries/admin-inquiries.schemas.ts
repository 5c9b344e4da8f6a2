import { z } from '@hono/zod-openapi';
import { INQUIRY_EVENT_TYPES, INQUIRY_STATUSES } from '../../db/enums';
import { pageQuery, pageSchema } from '../shared/schemas';

const StatusSchema = z.enum(INQUIRY_STATUSES);
const Timestamp = z.string().openapi({ format: 'date-time' });
const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export const InquiryListQuerySchema = z.object({
  status: StatusSchema.optional(),
  assignedTo: z.uuid().optional(),
  propertyId: z.uuid().optional(),
  from: Instant.optional().openapi({ description: 'Created at or after (ISO 8601 date or date-time).' }),
  to: Instant.optional().openapi({ description: 'Created before (ISO 8601 date or date-time).' }),
  ...pageQuery,
});

// Any string: an id that is not a UUID is simply not found (404), like an unknown one.
export const InquiryIdParamsSchema = z.object({ id: z.string().max(100).openapi({ format: 'uuid' }) });

export const InquirySchema = z
  .object({
    id: z.uuid(),
    propertyId: z.uuid().nullable(),
    property: z.object({ id: z.uuid(), slug: z.string(), title: z.string() }).nullable(),
    deletedProperty: z.object({ id: z.uuid(), title: z.string() }).nullable().openapi({
      description: 'The listing this inquiry was about, as it was when it was deleted (propertyId is then null)',
    }),
    name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    message: z.string(),
    status: StatusSchema,
    assignedTo: z.uuid().nullable(),
    assignee: z.object({ id: z.uuid(), name: z.string(), email: z.string() }).nullable(),
    firstRespondedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Inquiry');

export const InquiryEventSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(INQUIRY_EVENT_TYPES),
    fromStatus: StatusSchema.nullable(),
    toStatus: StatusSchema.nullable(),
    assignedTo: z.uuid().nullable(),
    note: z.string().nullable(),
    actorId: z.uuid().nullable(),
    actor: z.object({ id: z.uuid(), name: z.string() }).nullable(),
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
    assignedTo: z.uuid().nullable().optional().openapi({ description: 'An active admin; null unassigns.' }),
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
