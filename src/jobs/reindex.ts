import { maintenanceSettings } from '../env';
import { maintenanceConnection, reindexLargest } from '../services/system/upkeep';
import type { JobContext, JobResult } from './types';

/**
 * Monthly: REINDEX INDEX CONCURRENTLY of the largest indexes of the busy tables, over
 * DATABASE_MAINTENANCE_URL. An index the role may not rebuild (or a server without
 * CONCURRENTLY) is recorded with the reason, and the run still succeeds.
 */
export async function runReindex({ env, db, config, ctx }: JobContext): Promise<JobResult> {
  const settings = maintenanceSettings(env);
  const connection = maintenanceConnection(db, config, settings.DATABASE_MAINTENANCE_URL);
  const { indexes, leftoversDropped } = await reindexLargest(connection, ctx, settings.REINDEX_MAX_INDEXES);
  return {
    rowsAffected: indexes.filter((i) => i.status === 'done').length,
    details: { maintenanceConnection: connection.dedicated, indexes, leftoversDropped },
  };
}
