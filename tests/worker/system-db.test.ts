import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { notificationQueue, tableSizeSamples } from '../../src/db/schema';
import { JOBS } from '../../src/jobs/registry';
import { DatabaseOverviewSchema } from '../../src/routes/system/system.routes';
import { fastGrowingTables } from '../../src/services/system/table-growth';
import { api, expectProblem, json } from '../helpers/api';
import { databaseKind, testConfig, testDb } from '../helpers/db';
import { createTestUser } from '../helpers/users';

type Overview = ReturnType<typeof DatabaseOverviewSchema.parse>;

async function overview(token: string): Promise<Overview> {
  const res = await api('/v1/admin/system/db', { token });
  expect(res.status).toBe(200);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  // The answer must match the documented schema exactly, on every database.
  return DatabaseOverviewSchema.parse(await json(res));
}

describe('GET /v1/admin/system/db', () => {
  it('GET /v1/admin/system/db gives a super admin tables, indexes, connections and every job', async () => {
    const admin = await createTestUser({ role: 'super_admin' });
    const body = await overview(admin.token);

    expect(body.tables.available).toBe(true);
    if (body.tables.available) {
      const users = body.tables.data.find((t) => t.table === 'users');
      expect(users).toBeDefined();
      expect(users?.totalBytes).toBeGreaterThan(0);
      expect(body.tables.data.map((t) => t.table)).toEqual(expect.arrayContaining(['properties', 'job_runs']));
    }
    expect(body.indexes.available).toBe(true);
    if (body.indexes.available) {
      expect(body.indexes.data.map((i) => i.index)).toContain('idx_users_email');
    }
    expect(body.connections.available).toBe(true);
    if (body.connections.available && databaseKind === 'postgres') {
      // At least the connection answering this query.
      expect(body.connections.total).toBeGreaterThanOrEqual(1);
    }
    expect(body.jobs.available).toBe(true);
    if (body.jobs.available) {
      expect(body.jobs.data.map((j) => j.name)).toEqual(expect.arrayContaining(Object.keys(JOBS)));
    }
    expect(body.server.available).toBe(true);
  });

  it('GET /v1/admin/system/db gives each relation its growth over 7 and 30 days and the days left to the threshold; fastGrowingTables() names it', async () => {
    const relation = `zz_growth_${uuidv7().slice(-12)}`;
    const db = testDb();
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    const MiB = 1024 * 1024;
    // 30 days ago 100 MiB, 7 days ago 500 MiB, today 1200 MiB: 100 MiB a day this week, 36.7 a day this month.
    await db.insert(tableSizeSamples).values([
      { sampledOn: day(30), relation, kind: 'table', tableName: relation, bytes: 100 * MiB, estimatedRows: 1000 },
      { sampledOn: day(7), relation, kind: 'table', tableName: relation, bytes: 500 * MiB, estimatedRows: 5000 },
      { sampledOn: day(0), relation, kind: 'table', tableName: relation, bytes: 1200 * MiB, estimatedRows: 12_000 },
    ]);
    try {
      const admin = await createTestUser({ role: 'super_admin' });
      const body = await overview(admin.token);
      expect(body.growth.available).toBe(true);
      if (!body.growth.available) return;
      expect(body.growth.thresholdBytes).toBe(10 * 1024 * MiB);
      const row = body.growth.data.find((g) => g.relation === relation);
      expect(row).toMatchObject({
        kind: 'table',
        sampledOn: day(0),
        bytes: 1200 * MiB,
        estimatedRows: 12_000,
        growth7d: { since: day(7), days: 7, bytes: 700 * MiB, rows: 7000, bytesPerDay: 100 * MiB },
        growth30d: { since: day(30), days: 30, bytes: 1100 * MiB, rows: 11_000 },
        // (10 GiB - 1200 MiB) at 100 MiB a day.
        daysUntilThreshold: Math.ceil((10 * 1024 - 1200) / 100),
      });

      const settings = testConfig();
      // The default rate is 100 MiB a day, which this pace only equals: a faster rate must be passed over.
      expect((await fastGrowingTables(db, settings)).map((g) => g.relation)).not.toContain(relation);
      const fast = await fastGrowingTables(db, { ...settings, TABLE_GROWTH_ALERT_BYTES_PER_DAY: 99 * MiB });
      expect(fast.map((g) => g.relation)).toContain(relation);
      const slower = await fastGrowingTables(db, { ...settings, TABLE_GROWTH_ALERT_BYTES_PER_DAY: 101 * MiB });
      expect(slower.map((g) => g.relation)).not.toContain(relation);
    } finally {
      await db.delete(tableSizeSamples).where(eq(tableSizeSamples.relation, relation));
    }
  });

  it('GET /v1/admin/system/db counts dead notifications', async () => {
    const admin = await createTestUser({ role: 'super_admin' });
    const before = await overview(admin.token);
    const id = uuidv7();
    await testDb()
      .insert(notificationQueue)
      .values({
        id,
        kind: 'test',
        recipient: 'dead@example.com',
        idempotencyKey: `system-dead-${id}`,
        status: 'dead',
        lastError: 'provider refused',
      });
    const after = await overview(admin.token);
    if (!before.notifications.available || !after.notifications.available) throw new Error('notifications unavailable');
    expect(after.notifications.dead).toBeGreaterThanOrEqual(before.notifications.dead + 1);
  });

  it('GET /v1/admin/system/db reports missing views as unavailable with a reason instead of failing', async () => {
    const admin = await createTestUser({ role: 'super_admin' });
    const body = await overview(admin.token);
    // Neither PGlite nor the CI server preloads pg_stat_statements.
    expect(body.slowStatements).toEqual({
      available: false,
      reason: expect.stringMatching(/pg_stat_statements/),
    });
    if (!body.lockWaits.available) expect(body.lockWaits.reason).toBeTruthy();
    else expect(Array.isArray(body.lockWaits.data)).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/select |SQLSTATE 42/i);
  });

  it('GET /v1/admin/system/db is 401 without a token', async () => {
    await expectProblem(await api('/v1/admin/system/db'), 401, 'UNAUTHORIZED');
  });

  it('GET /v1/admin/system/db is 403 for an admin who is not a super admin', async () => {
    const admin = await createTestUser({ role: 'admin' });
    await expectProblem(await api('/v1/admin/system/db', { token: admin.token }), 403, 'FORBIDDEN');
  });

  it('GET /v1/admin/system/db is 403 PASSWORD_CHANGE_REQUIRED until the super admin changes the password', async () => {
    const admin = await createTestUser({ role: 'super_admin', mustChangePassword: true });
    await expectProblem(await api('/v1/admin/system/db', { token: admin.token }), 403, 'PASSWORD_CHANGE_REQUIRED');
  });
});

describe('POST /v1/admin/system/jobs/:name', () => {
  it('POST /v1/admin/system/jobs/:name is 404 JOB_NOT_FOUND for an unknown job', async () => {
    const admin = await createTestUser({ role: 'super_admin' });
    await expectProblem(
      await api('/v1/admin/system/jobs/drop-everything', { method: 'POST', token: admin.token }),
      404,
      'JOB_NOT_FOUND',
    );
  });

  it('POST /v1/admin/system/jobs/:name is 404 for inherited object keys', async () => {
    const admin = await createTestUser({ role: 'super_admin' });
    await expectProblem(
      await api('/v1/admin/system/jobs/constructor', { method: 'POST', token: admin.token }),
      404,
      'JOB_NOT_FOUND',
    );
  });

  it('POST /v1/admin/system/jobs/:name is 422 for a malformed name', async () => {
    const admin = await createTestUser({ role: 'super_admin' });
    await expectProblem(
      await api('/v1/admin/system/jobs/Retention%3Bdrop', { method: 'POST', token: admin.token }),
      422,
      'VALIDATION_FAILED',
    );
  });

  it('POST /v1/admin/system/jobs/:name is 403 for an admin and 401 without a token', async () => {
    const admin = await createTestUser({ role: 'admin' });
    await expectProblem(await api('/v1/admin/system/jobs/vacuum', { method: 'POST', token: admin.token }), 403);
    await expectProblem(await api('/v1/admin/system/jobs/vacuum', { method: 'POST' }), 401);
  });
});
