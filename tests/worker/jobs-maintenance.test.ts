import {
  createExecutionContext,
  createScheduledController,
  env as testEnv,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { jobRuns } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import worker from '../../src/index';
import { runOutsideTransaction } from '../../src/services/system/outside-transaction';
import { api, json } from '../helpers/api';
import { databaseKind, type TestBindings, testConfig, testDb } from '../helpers/db';
import { createTestUser } from '../helpers/users';

const env = testEnv as unknown as Bindings;

// TEST_DATABASE_APP_ROLE=1: the Worker connects as the app role, not as the owner.
const asAppRole = (env as TestBindings).DATABASE_URL !== (env as TestBindings).DATABASE_OWNER_URL;

async function fire(cron: string, name: string, vars: Partial<Record<string, string | undefined>> = {}) {
  const before = new Date(Date.now() - 1000);
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron, scheduledTime: Date.now() }),
    { ...env, ...vars } as Bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const runs = await testDb()
    .select()
    .from(jobRuns)
    .where(sql`${jobRuns.name} = ${name} and ${jobRuns.startedAt} >= ${before.toISOString()}::timestamptz`)
    .orderBy(sql`${jobRuns.startedAt} desc`);
  if (!runs[0]) throw new Error(`the ${name} run left no job_runs row`);
  return runs[0];
}

describe('vacuum and reindex jobs', () => {
  it('scheduled 0 4 * * 0 runs VACUUM (ANALYZE) on every busy table outside a transaction', async () => {
    const run = await fire('0 4 * * 0', 'vacuum');
    expect(run.status).toBe('succeeded');
    const tables = (run.result as { tables: Array<{ table: string; status: string }> }).tables;
    expect(tables.map((t) => t.table)).toContain('analytics_events');
    // As the owner (the default test role) every table is vacuumed; as the app role each says why not.
    for (const t of tables) expect(['done', 'skipped']).toContain(t.status);
    expect(run.rowsAffected).toBe(tables.filter((t) => t.status === 'done').length);
  });

  it('scheduled 0 4 * * 0 vacuums every busy table over DATABASE_MAINTENANCE_URL, as the app role too: nothing skipped', async () => {
    const run = await fire('0 4 * * 0', 'vacuum');
    expect(run.status).toBe('succeeded');
    const result = run.result as { maintenanceConnection: boolean; tables: Array<{ table: string; status: string }> };
    expect(result.maintenanceConnection).toBe(true);
    expect(result.tables.filter((t) => t.status !== 'done')).toEqual([]);
    expect(run.rowsAffected).toBe(result.tables.length);
    if (databaseKind === 'postgres') {
      // A partitioned table (analytics_events) has no storage of its own: its partitions are vacuumed.
      const names = sql.join(
        result.tables.map((t) => sql`${t.table}`),
        sql`, `,
      );
      const stale = await testDb().execute<{ relname: string }>(sql`
        select s.relname from pg_stat_user_tables s join pg_class c on c.oid = s.relid
        where s.schemaname = 'public' and c.relkind = 'r'
          and (s.relname in (${names}) or c.oid in (
            select i.inhrelid from pg_inherits i join pg_class p on p.oid = i.inhparent where p.relname in (${names})))
          and (s.last_vacuum is null or s.last_vacuum < ${run.startedAt.toISOString()}::timestamptz)`);
      expect(stale.rows).toEqual([]);
    }
  });

  it('without DATABASE_MAINTENANCE_URL the app role records each table it may not vacuum as skipped, saying why', async () => {
    const run = await fire('0 4 * * 0', 'vacuum', { DATABASE_MAINTENANCE_URL: undefined });
    const result = run.result as { maintenanceConnection: boolean; tables: Array<{ status: string; reason?: string }> };
    expect(result.maintenanceConnection).toBe(false);
    if (asAppRole) {
      // Nothing vacuumed and every table says why: the run records the truth instead of failing.
      expect(run.status).toBe('succeeded');
      for (const t of result.tables) {
        expect(t).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/no maintenance connection/) });
      }
    } else {
      expect(result.tables.filter((t) => t.status !== 'done')).toEqual([]);
    }
  });

  it('scheduled 0 5 1 * * rebuilds the largest indexes over DATABASE_MAINTENANCE_URL: none skipped for want of rights', async () => {
    const run = await fire('0 5 1 * *', 'reindex');
    expect(run.status).toBe('succeeded');
    const { indexes } = run.result as { indexes: Array<{ status: string; reason?: string }> };
    expect(indexes.filter((i) => /may not/.test(i.reason ?? ''))).toEqual([]);
    if (databaseKind === 'postgres') expect(indexes.filter((i) => i.status !== 'done')).toEqual([]);
  });

  it('scheduled 0 5 1 * * rebuilds the largest indexes or records why it may not', async () => {
    const run = await fire('0 5 1 * *', 'reindex');
    expect(run.status).toBe('succeeded');
    const { indexes } = run.result as { indexes: Array<{ index: string; status: string; reason?: string }> };
    expect(indexes.length).toBeGreaterThan(0);
    for (const i of indexes) {
      if (i.status === 'skipped') expect(i.reason).toBeTruthy();
      else expect(i.status).toBe('done');
    }
  });

  it('scheduled 0 5 1 * * records skipped while another run holds the lease, then takes over an expired one', async () => {
    const db = testDb();
    const holder = uuidv7();
    await db.insert(jobRuns).values({
      id: holder,
      name: 'reindex',
      trigger: 'manual',
      status: 'running',
      leaseUntil: new Date(Date.now() + 3600_000),
    });
    try {
      const skipped = await fire('0 5 1 * *', 'reindex');
      expect(skipped.status).toBe('skipped');
      expect(skipped.error).toMatch(/lease/);

      // The holder "crashed": its lease has passed, so the next run marks it abandoned and works.
      await db
        .update(jobRuns)
        .set({ leaseUntil: new Date(Date.now() - 1000) })
        .where(eq(jobRuns.id, holder));
      const next = await fire('0 5 1 * *', 'reindex');
      expect(next.status).toBe('succeeded');
      const [old] = await db.select().from(jobRuns).where(eq(jobRuns.id, holder));
      expect(old?.status).toBe('abandoned');
      expect(old?.finishedAt).not.toBeNull();
    } finally {
      await db.delete(jobRuns).where(sql`${jobRuns.id} = ${holder} and ${jobRuns.status} = 'running'`);
    }
  });

  it('VACUUM over a WebSocket session (the fallback when HTTP wraps a transaction) works too', async () => {
    const ctx = createExecutionContext();
    const outcomes = await runOutsideTransaction(
      testDb(),
      testConfig(),
      ctx,
      [sql`vacuum (analyze) job_runs`, sql`vacuum no_such_table`],
      { via: 'websocket' },
    );
    await waitOnExecutionContext(ctx);
    expect(outcomes[0]?.via).toBe('websocket');
    // The app role may not vacuum a table it does not own: PostgreSQL warns and skips, no error.
    expect(outcomes[0]?.ok).toBe(true);
    expect(outcomes[1]).toMatchObject({ ok: false, via: 'websocket', code: '42P01' });
  });

  it('VACUUM inside a batch is refused, which is why the job sends it alone', async () => {
    const db = testDb();
    await expect(db.batch([db.execute(sql`select 1`), db.execute(sql`vacuum job_runs`)])).rejects.toMatchObject({
      code: '25001',
    });
  });

  it('POST /v1/admin/system/jobs/vacuum runs the job now, records it as manual and shows it in the system view', async () => {
    const admin = await createTestUser({ role: 'super_admin' });
    const res = await api('/v1/admin/system/jobs/vacuum', { method: 'POST', token: admin.token });
    expect(res.status).toBe(200);
    const outcome = await json<{ runId: string; name: string; status: string; details: { tables: unknown[] } }>(res);
    expect(outcome).toMatchObject({ name: 'vacuum', status: 'succeeded' });
    expect(outcome.details.tables.length).toBeGreaterThan(0);
    const [row] = await testDb().select().from(jobRuns).where(eq(jobRuns.id, outcome.runId));
    expect(row).toMatchObject({ trigger: 'manual', status: 'succeeded' });

    const view = await json<{ jobs: { data: Array<{ name: string; lastRun: { id: string } | null }> } }>(
      await api('/v1/admin/system/db', { token: admin.token }),
    );
    expect(view.jobs.data.find((j) => j.name === 'vacuum')?.lastRun?.id).toBe(outcome.runId);
  });

  it('POST /v1/admin/system/jobs/reindex answers skipped while another run holds the lease', async () => {
    const admin = await createTestUser({ role: 'super_admin' });
    const db = testDb();
    const holder = uuidv7();
    await db.insert(jobRuns).values({
      id: holder,
      name: 'reindex',
      trigger: 'cron',
      status: 'running',
      leaseUntil: new Date(Date.now() + 3600_000),
    });
    try {
      const res = await api('/v1/admin/system/jobs/reindex', { method: 'POST', token: admin.token });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ name: 'reindex', status: 'skipped' });
    } finally {
      await db.delete(jobRuns).where(eq(jobRuns.id, holder));
    }
  });
});
