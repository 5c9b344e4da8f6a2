import type { Bindings } from '../env';
import { getConfig } from '../env';
import { createLogger } from '../lib/logger';
import { JOBS, SCHEDULE } from './registry';
import { type JobRunOutcome, runJob } from './run-job';

/** The `scheduled` handler: runs the jobs of one cron expression, one after the other. */
export async function runScheduled(
  cron: string,
  env: Bindings,
  ctx: ExecutionContext,
  scheduledTime: number = Date.now(),
): Promise<JobRunOutcome[]> {
  const names = SCHEDULE[cron];
  if (!names) {
    createLogger({ cron }, getConfig(env).LOG_LEVEL).warn('no job is scheduled for this cron expression');
    return [];
  }
  const outcomes: JobRunOutcome[] = [];
  const minute = Math.floor(scheduledTime / 60_000);
  for (const name of names) {
    const every = JOBS[name]?.everyMinutes?.(env) ?? 1;
    if (minute % every === 0) outcomes.push(await runJob(env, ctx, name, 'cron'));
  }
  return outcomes;
}
