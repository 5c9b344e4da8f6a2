import { z } from '@hono/zod-openapi';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';
import { pageQuery, pageSchema, TimestampSchema as Timestamp } from '../shared/schemas';

const Instant = z.union([z.iso.datetime({ offset: true }).max(40), z.iso.date().max(10)]);
// What the table allows (audit_log's CHECKs): ids of any target kind, request ids, truncated IPs.
const Printable = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[\x21-\x7e]+$/);
const Changes = z.record(z.string(), z.unknown()).nullable();

export const AuditListQuerySchema = z.object({
  actorId: UuidSchema.optional().openapi({ description: 'Entries of this user’s doing.' }),
  targetType: z.enum(AUDIT_TARGET_TYPES).optional(),
  targetId: z.string().min(1).max(100).optional().openapi({ description: 'With or without targetType.' }),
  action: z.enum(AUDIT_ACTIONS).optional(),
  from: Instant.optional().openapi({ description: 'At or after (ISO 8601 date or date-time).' }),
  to: Instant.optional().openapi({ description: 'Before (ISO 8601 date or date-time).' }),
  ...pageQuery,
});

export const AuditEntrySchema = z
  .object({
    id: UuidSchema,
    at: Timestamp,
    actorId: UuidSchema.nullable().openapi({ description: 'Null for an event no signed-in user caused.' }),
    action: z.enum(AUDIT_ACTIONS),
    target: z.object({ type: z.enum(AUDIT_TARGET_TYPES), id: Printable(100) }),
    before: Changes.openapi({ description: 'The changed fields as they were.' }),
    after: Changes.openapi({ description: 'The changed fields as they became.' }),
    requestId: Printable(200).nullable(),
    ip: Printable(64).nullable().openapi({ description: 'Truncated to its /24 (IPv4) or /48 (IPv6).' }),
  })
  .openapi('AuditEntry');

export const AuditListSchema = pageSchema(AuditEntrySchema).openapi('AuditList');
