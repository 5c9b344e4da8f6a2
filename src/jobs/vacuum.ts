import { BUSY_TABLES, vacuumTables } from '../services/system/upkeep';
import type { JobContext, JobResult } from './types';

/** Weekly: VACUUM (ANALYZE) of the busy tables, each outside any transaction. */
export async function runVacuum({ db, config, ctx }: JobContext): Promise<JobResult> {
  const tables = await vacuumTables(db, config, ctx, BUSY_TABLES);
  const failed = tables.filter((t) => t.status === 'failed');
  if (failed.length === tables.length && tables.length > 0) {
    throw new Error(`VACUUM failed on every table: ${failed[0]?.reason ?? 'unknown reason'}`);
  }
  return { rowsAffected: tables.filter((t) => t.status === 'done').length, details: { tables } };
}
