import type { Bindings } from '../env';
import { getConfig } from '../env';
import { createLogger } from '../lib/logger';
import { SCHEDULE } from './registry';
import { type JobRunOutcome, runJob } from './run-job';

/** The `scheduled` handler: runs the jobs of one cron expression, one after the other. */
export async function runScheduled(cron: string, env: Bindings, ctx: ExecutionContext): Promise<JobRunOutcome[]> {
  const names = SCHEDULE[cron];
  if (!names) {
    createLogger({ cron }, getConfig(env).LOG_LEVEL).warn('no job is scheduled for this cron expression');
    return [];
  }
  const outcomes: JobRunOutcome[] = [];
  for (const name of names) outcomes.push(await runJob(env, ctx, name, 'cron'));
  return outcomes;
}
