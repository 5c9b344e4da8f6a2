import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../../lib/uuid';

/** A timestamp as `Date.toISOString()` writes it. */
export const TimestampSchema = z.string().max(40).openapi({ format: 'date-time' });

/** `{id}` in a path: a UUID, or the request is a 422. */
export const IdParam = z.object({ id: UuidSchema });

/** An opaque cursor as lib/cursor.ts writes it: base64url payload and signature. */
export const CursorSchema = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

/** A page of a keyset-paginated list: `{ data, nextCursor }` (`limit` is at most 100 everywhere). */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item).max(100), nextCursor: CursorSchema.nullable() });

/** `limit` and `cursor` of every keyset-paginated list (spread into its query schema). */
export const pageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ type: 'integer', format: 'int32', minimum: 1, maximum: 100 }),
  // Any printable text reaches the signature check, which tells a forged cursor (INVALID_CURSOR).
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .regex(/^[\x21-\x7e]+$/)
    .optional(),
};

/** A count of rows (`count(*)`, a bigint): never negative, and a JSON number keeps it exact. */
export const CountSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ format: 'int64' });
