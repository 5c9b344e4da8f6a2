import { maintenanceSettings } from '../env';
import { reindexLargest } from '../services/system/upkeep';
import type { JobContext, JobResult } from './types';

/**
 * Monthly: REINDEX INDEX CONCURRENTLY of the largest indexes of the busy tables. An index
 * the role may not rebuild (or a server without CONCURRENTLY) is recorded with the reason,
 * and the run still succeeds.
 */
export async function runReindex({ env, db, config, ctx }: JobContext): Promise<JobResult> {
  const { indexes, leftoversDropped } = await reindexLargest(
    db,
    config,
    ctx,
    maintenanceSettings(env).REINDEX_MAX_INDEXES,
  );
  return {
    rowsAffected: indexes.filter((i) => i.status === 'done').length,
    details: { indexes, leftoversDropped },
  };
}
