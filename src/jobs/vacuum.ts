import { maintenanceSettings } from '../env';
import { BUSY_TABLES, maintenanceConnection, vacuumTables } from '../services/system/upkeep';
import type { JobContext, JobResult } from './types';

/**
 * Weekly: VACUUM (ANALYZE) of the busy tables, each outside any transaction, over
 * DATABASE_MAINTENANCE_URL (VACUUM needs the owner or MAINTAIN, which the app role lacks).
 */
export async function runVacuum({ env, db, config, ctx }: JobContext): Promise<JobResult> {
  const connection = maintenanceConnection(db, config, maintenanceSettings(env).DATABASE_MAINTENANCE_URL);
  const tables = await vacuumTables(connection, ctx, BUSY_TABLES);
  const failed = tables.filter((t) => t.status === 'failed');
  if (failed.length === tables.length && tables.length > 0) {
    throw new Error(`VACUUM failed on every table: ${failed[0]?.reason ?? 'unknown reason'}`);
  }
  return {
    rowsAffected: tables.filter((t) => t.status === 'done').length,
    details: { maintenanceConnection: connection.dedicated, tables },
  };
}
