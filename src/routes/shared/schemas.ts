import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../../lib/uuid';

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
