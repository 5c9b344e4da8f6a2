import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { testDb } from '../helpers/db';

/**
 * Many clients querying at once through the Worker's own database client, the way a busy
 * isolate does. Regression: on PGlite the socket server interleaved two connections'
 * Parse/Bind/Execute cycles, and queries failed with "portal does not exist" (SQLSTATE 34000)
 * or "unnamed prepared statement does not exist" (26000), which the API answered with a 500.
 */
describe('load: concurrent queries', () => {
  it('60 clients × 20 queries and batches at once all succeed with the right answers', async () => {
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 60 }, async (_, client) => {
        for (let i = 0; i < 20; i++) {
          try {
            const db = testDb();
            if (i % 3 === 0) {
              const [a, b] = await db.batch([
                db.execute<{ v: string }>(sql`select ${`${client}:${i}`}::text as v`),
                db.execute<{ n: number }>(
                  sql`select count(*)::int as n from properties where status in ('active', 'pending')`,
                ),
              ]);
              if (a.rows[0]?.v !== `${client}:${i}`) failures.push(`batch answered ${a.rows[0]?.v} to ${client}:${i}`);
              if (typeof b.rows[0]?.n !== 'number') failures.push('batch lost its second result');
            } else {
              // Each client's own parameter must come back: a swapped statement would show here.
              const result = await db.execute<{ v: number }>(sql`select ${client * 1000 + i}::int + 0 as v`);
              if (result.rows[0]?.v !== client * 1000 + i)
                failures.push(`query answered ${result.rows[0]?.v} to ${client * 1000 + i}`);
            }
          } catch (error) {
            const chain: string[] = [];
            for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
              const { name, code, message } = e as { name?: string; code?: string; message?: string };
              chain.push(`${name} ${code ?? ''} ${String(message).slice(-160)}`);
            }
            failures.push(chain.join(' <- '));
          }
        }
      }),
    );
    expect(failures).toEqual([]);
  });
});
