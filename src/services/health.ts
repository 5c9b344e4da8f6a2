import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { serviceUnavailable } from '../lib/errors';

const READINESS_TIMEOUT_MS = 2_000;

/** One trivial round trip with a short deadline; throws a 503 problem when it fails. */
export async function checkDatabase(db: Database): Promise<{ latencyMs: number }> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(serviceUnavailable('DB_UNAVAILABLE', 5, 'The database did not answer in time.')),
      READINESS_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([db.execute(sql`select 1`), deadline]);
  } finally {
    clearTimeout(timer);
  }
  return { latencyMs: Math.round((performance.now() - started) * 100) / 100 };
}
