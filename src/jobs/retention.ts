import { maintenanceSettings } from '../env';
import { deleteOrphanedImages } from '../services/images/orphans';
import {
  createAnalyticsPartitions,
  dropExpiredAnalyticsPartitions,
  lastJobResult,
  purgeExpiredRows,
} from '../services/system/retention';
import { recordTableSizes } from '../services/system/table-growth';
import { analyzeAllTables } from '../services/system/upkeep';
import type { JobContext, JobResult } from './types';

/** Where the previous run's orphan sweep stopped, if it swept the same prefix and did not finish. */
async function sweepPosition(db: JobContext['db'], prefix: string): Promise<string | undefined> {
  const previous = (await lastJobResult(db, 'retention'))?.orphanImages as
    | { prefix?: unknown; resumeAfter?: unknown }
    | undefined;
  return previous?.prefix === prefix && typeof previous.resumeAfter === 'string' ? previous.resumeAfter : undefined;
}

/**
 * Nightly: expired rows in bounded batches, the next stretch of the orphaned-photo sweep, fresh
 * planner statistics for every table, then each table's and index's size for the growth history.
 */
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
      auditDays: settings.RETENTION_AUDIT_DAYS,
      loginClientsDays: config.LOGIN_KNOWN_CLIENT_DAYS,
      alertsDays: settings.RETENTION_ALERTS_DAYS,
    },
    { batchSize: settings.RETENTION_BATCH_SIZE, maxBatches: settings.RETENTION_MAX_BATCHES },
  );
  const prefix = settings.ORPHAN_IMAGE_PREFIX;
  const images = await deleteOrphanedImages(db, env.IMAGES, {
    graceMs: settings.ORPHAN_IMAGE_MIN_AGE_MINUTES * 60_000,
    prefix,
    maxScanned: settings.ORPHAN_SWEEP_MAX_SCANNED,
    startAfter: await sweepPosition(db, prefix),
  });
  const analyzed = await analyzeAllTables(db);
  const sizes = await recordTableSizes(db, settings.TABLE_SIZE_SAMPLE_DAYS);
  const rowsAffected =
    Object.values(purged).reduce((sum, r) => sum + r.deleted, 0) + images.deleted + images.missingRowsDeleted;
  return {
    rowsAffected,
    details: {
      periods: {
        analyticsDays: settings.RETENTION_ANALYTICS_DAYS,
        tokensDays: settings.RETENTION_TOKENS_DAYS,
        notificationsDays: settings.RETENTION_NOTIFICATIONS_DAYS,
        auditDays: settings.RETENTION_AUDIT_DAYS,
        loginClientsDays: config.LOGIN_KNOWN_CLIENT_DAYS,
        alertsDays: settings.RETENTION_ALERTS_DAYS,
      },
      deleted: purged,
      analyticsPartitions: { created: partitionsCreated, dropped: partitionsDropped },
      // The count stays exact; the key list is cut to keep the job_runs row small.
      orphanImages: { ...images, keys: images.keys.slice(0, 50) },
      analyzed,
      tableSizes: sizes,
    },
  };
}
