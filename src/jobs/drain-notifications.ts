import { createEmailTransport } from '../services/email/create-transport';
import { drainNotifications, drainSettings } from '../services/notifications/drain';
import type { JobContext, JobResult } from './types';

/** Every minute: send what is due, stopping well before the job's 55-second lease ends. */
export async function runDrainNotifications({ db, config, logger, runId }: JobContext): Promise<JobResult> {
  const transport = createEmailTransport(config, logger);
  const result = await drainNotifications({
    db,
    transport,
    logger,
    settings: drainSettings(config),
    workerId: `cron-${runId}`,
    budgetMs: 40_000,
  });
  return { rowsAffected: result.sent + result.retrying + result.dead + result.skipped, details: { ...result } };
}
