import { maintenanceSettings } from '../env';
import { deleteOrphanedImages } from '../services/images/orphans';
import {
  createAnalyticsPartitions,
  dropExpiredAnalyticsPartitions,
  purgeExpiredRows,
} from '../services/system/retention';
import { ANALYZE_TABLES, analyzeTables } from '../services/system/upkeep';
import type { JobContext, JobResult } from './types';

/** Nightly: expired rows in bounded batches, orphaned photos, then fresh planner statistics. */
export async function runRetention({ env, config, db }: JobContext): Promise<JobResult> {
  const settings = maintenanceSettings(env);
  const partitionsCreated = await createAnalyticsPartitions(db);
  const partitionsDropped = await dropExpiredAnalyticsPartitions(db, settings.RETENTION_ANALYTICS_DAYS);
  const purged = await purgeExpiredRows(
    db,
    {
      analyticsDays: settings.RETENTION_ANALYTICS_DAYS,
      tokensDays: settings.RETENTION_TOKENS_DAYS,
      notificationsDays: settings.RETENTION_NOTIFICATIONS_DAYS,
      loginClientsDays: config.LOGIN_KNOWN_CLIENT_DAYS,
    },
    { batchSize: settings.RETENTION_BATCH_SIZE, maxBatches: settings.RETENTION_MAX_BATCHES },
  );
  const images = await deleteOrphanedImages(db, env.IMAGES, {
    graceMs: settings.ORPHAN_IMAGE_MIN_AGE_MINUTES * 60_000,
    prefix: settings.ORPHAN_IMAGE_PREFIX,
  });
  const analyzed = await analyzeTables(db, ANALYZE_TABLES);
  const rowsAffected =
    Object.values(purged).reduce((sum, r) => sum + r.deleted, 0) + images.deleted + images.missingRowsDeleted;
  return {
    rowsAffected,
    details: {
      periods: {
        analyticsDays: settings.RETENTION_ANALYTICS_DAYS,
        tokensDays: settings.RETENTION_TOKENS_DAYS,
        notificationsDays: settings.RETENTION_NOTIFICATIONS_DAYS,
        loginClientsDays: config.LOGIN_KNOWN_CLIENT_DAYS,
      },
      deleted: purged,
      analyticsPartitions: { created: partitionsCreated, dropped: partitionsDropped },
      // The count stays exact; the key list is cut to keep the job_runs row small.
      orphanImages: { ...images, keys: images.keys.slice(0, 50) },
      analyzed,
    },
  };
}
