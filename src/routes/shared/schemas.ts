import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../../lib/uuid';

/** `{id}` in a path: a UUID, or the request is a 422. */
export const IdParam = z.object({ id: UuidSchema });

/** A page of a keyset-paginated list: `{ data, nextCursor }`. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });
