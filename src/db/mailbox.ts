import { type AnyColumn, type SQL, sql } from 'drizzle-orm';

/**
 * The mailbox an address delivers to, as far as counting goes: case folded and without a
 * "+tag" (user+1@ and user+2@ reach one inbox). The notification index is built on this exact
 * expression, so queries that count per mailbox must use it too.
 */
export const mailbox = (address: AnyColumn | SQL | string) => sql`lower(regexp_replace(${address}, '\\+[^@]*@', '@'))`;
