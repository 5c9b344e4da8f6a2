import { createExecutionContext, env } from 'cloudflare:test';
import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableSizeSamples } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import { runScheduled } from '../../src/jobs/dispatcher';
import { runJob } from '../../src/jobs/run-job';
import { api, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { sinkRequests } from '../helpers/email-sink';
import { createTestUser, type TestUser } from '../helpers/users';

const bindings = env as unknown as Bindings;
let admin: TestUser;
let retired: TestUser;

function tag(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

async function check() {
  const outcome = await runJob(bindings, createExecutionContext(), 'check-alerts', 'manual');
  expect(outcome.error ?? outcome.status).toBe('succeeded');
  return outcome;
}

/** Subjects of the emails the sink took for `to` whose subject mentions `about`. */
async function subjects(to: string, about: string): Promise<string[]> {
  return (await sinkRequests(to))
    .filter((r) => !r.failed && r.body?.subject?.includes(about))
    .map((r) => r.body?.subject ?? '');
}

async function alertRow(key: string) {
  const { rows } = await testDb().execute<{
    id: string;
    notifications: number;
    resolved_at: string | null;
  }>(sql`select id, notifications, resolved_at from alerts where key = ${key} order by opened_at desc limit 1`);
  return rows[0];
}

/** Shared problems (the suite's own dead emails, ...) may already be open: start from a clean slate. */
async function forget(key: string) {
  await testDb().execute(sql`update alerts set resolved_at = now() where key = ${key} and resolved_at is null`);
}

beforeAll(async () => {
  admin = await createTestUser({ role: 'super_admin' });
  retired = await createTestUser({ role: 'super_admin', isActive: false });
});

describe('check-alerts', () => {
  it('the every-minute cron runs the check only once per ALERT_CHECK_MINUTES', async () => {
    const minute = 60_000;
    const onTurn = Math.floor(Date.now() / (5 * minute)) * 5 * minute;
    const offTurn = await runScheduled('* * * * *', bindings, createExecutionContext(), onTurn + minute);
    expect(offTurn.map((o) => o.name)).toEqual(['match-listing-alerts', 'drain-notifications', 'refresh-dashboards']);
    const turn = await runScheduled('* * * * *', bindings, createExecutionContext(), onTurn);
    expect(turn.map((o) => o.name)).toEqual([
      'match-listing-alerts',
      'drain-notifications',
      'refresh-dashboards',
      'check-alerts',
    ]);
  });

  it('a failed job run raises one alert email per super admin, deduplicated, reminded daily, then resolved', async () => {
    const db = testDb();
    const job = tag('alert-fail');
    await db.execute(sql`
      insert into job_runs (id, name, trigger, status, started_at, finished_at, error)
      values (${uuidv7()}, ${job}, 'cron', 'failed', now(), now(), 'boom: the disk is full')`);

    await check();
    expect(await subjects(admin.email, `Job ${job} failed`)).toEqual([
      `[Alert] Job ${job} failed (1 run since its last success)`,
    ]);
    expect(await subjects(retired.email, job)).toEqual([]);
    const opened = await alertRow(`job_failed:${job}`);
    expect(opened).toMatchObject({ notifications: 1, resolved_at: null });

    // Still failing a few minutes later: the same alert, no second email.
    await db.execute(sql`
      insert into job_runs (id, name, trigger, status, started_at, finished_at, error)
      values (${uuidv7()}, ${job}, 'cron', 'failed', now(), now(), 'boom again')`);
    await check();
    expect(await subjects(admin.email, job)).toHaveLength(1);
    expect((await alertRow(`job_failed:${job}`))?.id).toBe(opened?.id);

    // A day later it is still going on: one reminder, and only one.
    await db.execute(sql`update alerts set notified_at = now() - interval '25 hours' where id = ${opened?.id}`);
    await check();
    await check();
    const reminders = await subjects(admin.email, `[Alert, still open] Job ${job} failed`);
    expect(reminders).toEqual([`[Alert, still open] Job ${job} failed (2 runs since its last success)`]);

    // The next run succeeds: one "resolved" email, and the alert is closed.
    await db.execute(sql`
      insert into job_runs (id, name, trigger, status, started_at, finished_at)
      values (${uuidv7()}, ${job}, 'cron', 'succeeded', now(), now())`);
    await check();
    await check();
    expect(await subjects(admin.email, `[Resolved] Job ${job} failed`)).toHaveLength(1);
    expect((await alertRow(`job_failed:${job}`))?.resolved_at).not.toBeNull();
    expect(await subjects(admin.email, job)).toHaveLength(3);
  });

  it('an abandoned run (a dead Worker still holding an expired lease) raises an alert', async () => {
    const job = tag('alert-abandon');
    await testDb().execute(sql`
      insert into job_runs (id, name, trigger, status, started_at, lease_until)
      values (${uuidv7()}, ${job}, 'cron', 'running', now() - interval '1 hour', now() - interval '1 minute')`);
    await check();
    expect(await subjects(admin.email, `Job ${job} was abandoned`)).toHaveLength(1);
    await testDb().execute(sql`
      update job_runs set status = 'abandoned', finished_at = now() where name = ${job}`);
    await check();
    // Marked abandoned by the next run: the same problem, still no second email.
    expect(await subjects(admin.email, job)).toHaveLength(1);
  });

  it('a dead notification raises the notifications_dead alert', async () => {
    await forget('notifications_dead');
    const earlier = (await subjects(admin.email, 'gave up after every attempt')).length;
    const id = tag('dead');
    await testDb().execute(sql`
      insert into notification_queue (id, kind, recipient, status, attempts, last_error, idempotency_key)
      values (${uuidv7()}, 'account_locked', ${`${id}@example.com`}, 'dead', 8, 'HTTP 550 mailbox gone', ${`test:${id}`})`);
    await check();
    // The suite's other dead emails may have opened this alert already (then forgotten above).
    const sent = (await subjects(admin.email, 'gave up after every attempt')).slice(earlier);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^\[Alert\] \d+ emails? gave up after every attempt in the last 24 hours$/);
  });

  it('a watched dashboard window not recounted for too long raises dashboard_refresh_stalled', async () => {
    await forget('dashboard_refresh_stalled');
    const db = testDb();
    // A day of its own, far in the past: no other test reads or refreshes it.
    await db.execute(sql`
      insert into dashboard_snapshots (days, last_day, body, computed_at, read_at)
      values (365, '1999-01-01', '{}', now() - interval '1 hour', now())
      on conflict (days, last_day) do update set computed_at = excluded.computed_at, read_at = excluded.read_at`);
    const earlier = (await subjects(admin.email, 'The dashboard refresh is stalled')).length;
    try {
      await check();
      expect(await subjects(admin.email, 'The dashboard refresh is stalled')).toHaveLength(earlier + 1);
    } finally {
      await db.execute(sql`delete from dashboard_snapshots where days = 365 and last_day = '1999-01-01'`);
    }
  });

  it('no recent backup raises backup_stale; a recorded backup resolves it', async () => {
    const db = testDb();
    await forget('backup_stale');
    await db.execute(sql`delete from backup_runs`);
    await db.execute(sql`
      insert into backup_runs (id, file, bytes, location, finished_at)
      values (${uuidv7()}, '20000101T000000Z.dump', 1024, 'local', now() - interval '3 days')`);
    const opened = (await subjects(admin.email, '[Alert] No backup for over 26 hours')).length;
    const resolved = (await subjects(admin.email, '[Resolved] No backup for over 26 hours')).length;
    await check();
    expect(await subjects(admin.email, '[Alert] No backup for over 26 hours')).toHaveLength(opened + 1);

    await db.execute(sql`
      insert into backup_runs (id, file, bytes, location) values (${uuidv7()}, 'now.dump', 2048, 'local')`);
    await check();
    expect(await subjects(admin.email, '[Resolved] No backup for over 26 hours')).toHaveLength(resolved + 1);
    expect((await alertRow('backup_stale'))?.resolved_at).not.toBeNull();
  });

  it('a table growing faster than TABLE_GROWTH_ALERT_BYTES_PER_DAY raises table_growth; it resolves once it slows', async () => {
    const db = testDb();
    const table = `zz_alert_growth_${uuidv7().slice(-12)}`;
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    const MiB = 1024 * 1024;
    // 200 MiB a day this week: twice the default alert rate (100 MiB a day).
    await db.insert(tableSizeSamples).values([
      { sampledOn: day(7), relation: table, kind: 'table', tableName: table, bytes: 100 * MiB, estimatedRows: 1 },
      { sampledOn: day(0), relation: table, kind: 'table', tableName: table, bytes: 1500 * MiB, estimatedRows: 1 },
    ]);
    try {
      await check();
      const row = await alertRow(`table_growth:${table}`);
      expect(row?.resolved_at).toBeNull();
      expect(await subjects(admin.email, `Table ${table} grows 200.0 MiB a day`)).toHaveLength(1);
    } finally {
      await db.delete(tableSizeSamples).where(eq(tableSizeSamples.relation, table));
    }
    await check();
    expect((await alertRow(`table_growth:${table}`))?.resolved_at).not.toBeNull();
    expect(await subjects(admin.email, `[Resolved] Table ${table}`)).toHaveLength(1);
  });

  it('GET /v1/admin/system/alerts lists the open and resolved alerts, newest first, to a super admin', async () => {
    const job = tag('alert-list');
    await testDb().execute(sql`
      insert into job_runs (id, name, trigger, status, started_at, finished_at, error)
      values (${uuidv7()}, ${job}, 'manual', 'failed', now(), now(), 'listed')`);
    await check();
    const res = await api('/v1/admin/system/alerts?status=open&limit=100', { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const page = await json<{ data: Array<{ key: string; kind: string; resolvedAt: string | null }> }>(res);
    const mine = page.data.find((a) => a.key === `job_failed:${job}`);
    expect(mine).toMatchObject({ kind: 'job_failed', resolvedAt: null });
    expect(page.data.every((a) => a.resolvedAt === null)).toBe(true);

    const resolved = await json<{ data: Array<{ resolvedAt: string | null }> }>(
      await api('/v1/admin/system/alerts?status=resolved&limit=5', { token: admin.token }),
    );
    expect(resolved.data.length).toBeGreaterThan(0);
    expect(resolved.data.every((a) => a.resolvedAt !== null)).toBe(true);

    const first = await json<{ data: Array<{ id: string }>; nextCursor: string | null }>(
      await api('/v1/admin/system/alerts?limit=1', { token: admin.token }),
    );
    expect(first.nextCursor).not.toBeNull();
    const second = await json<{ data: Array<{ id: string }> }>(
      await api(`/v1/admin/system/alerts?limit=1&cursor=${encodeURIComponent(first.nextCursor ?? '')}`, {
        token: admin.token,
      }),
    );
    expect((second.data[0]?.id ?? '') < (first.data[0]?.id ?? '')).toBe(true);
  });
});
