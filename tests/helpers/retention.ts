import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { jobRuns } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import worker from '../../src/index';
import { testDb } from './db';

/**
 * Fires the nightly cron (0 3 * * *) through the Worker's own `scheduled` handler, with `vars`
 * over the test bindings, waits for it, and returns the job_runs row of its retention run.
 */
export async function runNightly(vars: Record<string, string> = {}) {
  const before = new Date(Date.now() - 1000);
  const controller = createScheduledController({ cron: '0 3 * * *', scheduledTime: Date.now() });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, { ...(env as unknown as Bindings), ...vars } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  const [run] = await testDb()
    .select()
    .from(jobRuns)
    .where(sql`${jobRuns.name} = 'retention' and ${jobRuns.startedAt} >= ${before.toISOString()}::timestamptz`)
    .orderBy(sql`${jobRuns.startedAt} desc`)
    .limit(1);
  if (!run) throw new Error('the retention run left no job_runs row');
  return run;
}
