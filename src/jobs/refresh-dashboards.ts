import { systemClock } from '../lib/clock';
import { refreshWatchedDashboards } from '../services/analytics/dashboard-snapshots';
import type { JobContext, JobResult } from './types';

/** Every minute: recount the dashboard windows admins are looking at, so they never wait for it. */
export async function runRefreshDashboards({ db, config }: JobContext): Promise<JobResult> {
  const result = await refreshWatchedDashboards(db, systemClock, {
    // Half the max age: a window read continuously is served from figures never older than it.
    staleSeconds: Math.floor(config.DASHBOARD_MAX_AGE_SECONDS / 2),
    watchedMinutes: 15,
    limit: 20,
  });
  return { rowsAffected: result.refreshed + result.forgotten, details: { ...result } };
}
