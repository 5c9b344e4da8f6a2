import { z } from '@hono/zod-openapi';

// Any version, either case: what PostgreSQL's uuid type accepts in its canonical text form.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string from outside (a path, a cursor, a token claim) may be compared with a uuid column. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** A UUID in a request or a response: the schema the API documents (RFC 9562 form, 36 characters). */
export const UuidSchema = z.uuid().max(36);
