import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { notificationQueue } from '../../src/db/schema';
import { JOBS } from '../../src/jobs/registry';
import { DatabaseOverviewSchema } from '../../src/routes/system/system.routes';
import { api, expectProblem, json } from '../helpers/api';
import { databaseKind, testDb } from '../helpers/db';
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
