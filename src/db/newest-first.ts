import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { decodeCursor, encodeCursor, invalidCursor } from '../lib/cursor';
import { isUuid } from '../lib/uuid';

/** Where a newest-first page stopped: its last row's time (as PostgreSQL prints it) and id. */
interface Position {
  t: string;
  i: string;
}

// e.g. 2031-05-10 12:03:00.123456+00: full precision, which a JS Date would lose.
const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/**
 * Keyset pagination on (time desc, id desc) with signed cursors. `scope` binds a cursor to the
 * list and filters it came from: any other use is a 422 INVALID_CURSOR.
 */
export function newestFirst(secret: string, scope: string, columns: { time: AnyColumn; id: AnyColumn }) {
  const options = { scope };
  return {
    /**
     * The page's order. NULLS LAST like the DESC indexes Drizzle declares, so such an index
     * hands rows over in order (a plain DESC is NULLS FIRST and cannot use it for the order).
     */
    orderBy: sql`${columns.time} desc nulls last, ${columns.id} desc nulls last`,
    /** The condition that continues after `cursor`; throws INVALID_CURSOR for a forged or foreign one. */
    async after(cursor: string): Promise<SQL> {
      const position = await decodeCursor<Position>(secret, cursor, options);
      if (
        typeof position?.t !== 'string' ||
        typeof position.i !== 'string' ||
        !isUuid(position.i) ||
        !PG_TIMESTAMPTZ.test(position.t)
      ) {
        throw invalidCursor();
      }
      return sql`(${columns.time}, ${columns.id}) < (${position.t}::timestamptz, ${position.i}::uuid)`;
    },
    /**
     * The page (at most `limit` of the `limit + 1` rows read) and the cursor of the next one;
     * `exactTime` is the row's time selected as `::text`.
     */
    async page<R extends { id: string }>(rows: R[], limit: number, exactTime: (row: R) => string) {
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > limit && last
          ? await encodeCursor(secret, { t: exactTime(last), i: last.id } satisfies Position, options)
          : null;
      return { page, nextCursor };
    },
  };
}
