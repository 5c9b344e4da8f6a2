import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { desc, eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { jobRuns } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import worker from '../../src/index';
import { runJob } from '../../src/jobs/run-job';
import { testDb } from '../helpers/db';

const bindings = env as unknown as Bindings;

async function lastRun(name: string) {
  const [row] = await testDb()
    .select()
    .from(jobRuns)
    .where(eq(jobRuns.name, name))
    .orderBy(desc(jobRuns.startedAt))
    .limit(1);
  return row;
}

describe('scheduled', () => {
  it('scheduled "0 4 * * 0" runs the weekly job and records it in job_runs', async () => {
    const before = await lastRun('vacuum');
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '0 4 * * 0', scheduledTime: Date.now() }), bindings, ctx);
    await waitOnExecutionContext(ctx);
    const after = await lastRun('vacuum');
    expect(after?.id).not.toBe(before?.id);
    expect(after?.trigger).toBe('cron');
    expect(after?.status).toBe('succeeded');
    expect(after?.finishedAt).toBeInstanceOf(Date);
  });

  it('runJob records skipped while another run of the same job holds the lease', async () => {
    const db = testDb();
    const holder = uuidv7();
    await db.insert(jobRuns).values({
      id: holder,
      name: 'reindex',
      trigger: 'manual',
      leaseUntil: new Date(Date.now() + 60_000),
    });
    try {
      const outcome = await runJob(bindings, createExecutionContext(), 'reindex', 'manual');
      expect(outcome.status).toBe('skipped');
      const [row] = await db.select().from(jobRuns).where(eq(jobRuns.id, outcome.runId));
      expect(row?.status).toBe('skipped');
    } finally {
      await db.update(jobRuns).set({ status: 'failed', finishedAt: new Date() }).where(eq(jobRuns.id, holder));
    }
  });

  it('runJob takes over a run whose lease expired and marks it abandoned', async () => {
    const db = testDb();
    const crashed = uuidv7();
    await db.insert(jobRuns).values({
      id: crashed,
      name: 'reindex',
      trigger: 'cron',
      startedAt: new Date(Date.now() - 3_600_000),
      leaseUntil: new Date(Date.now() - 1_000),
    });
    const outcome = await runJob(bindings, createExecutionContext(), 'reindex', 'manual');
    expect(outcome.status).not.toBe('skipped');
    const [row] = await db.select().from(jobRuns).where(eq(jobRuns.id, crashed));
    expect(row?.status).toBe('abandoned');
    expect(row?.error).toMatch(/lease/);
  });

  it('scheduled with an unknown cron expression runs nothing and does not throw', async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '1 2 3 4 5', scheduledTime: Date.now() }), bindings, ctx);
    await expect(waitOnExecutionContext(ctx)).resolves.toBeUndefined();
  });
});
