import { and, eq, isNull, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { createPoolDb } from '../../src/db/client';
import { analyticsEvents, sessions, users } from '../../src/db/schema';
import { systemClock } from '../../src/lib/clock';
import { superAdminLock, updateUserOutcome, updateUserStatement } from '../../src/services/users/admin-users';
import { api, expectProblem, json } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import {
  createTestUser,
  randomIp,
  signIn,
  signInTokens,
  strongPassword,
  TEST_PASSWORD,
  uniqueEmail,
} from '../helpers/users';

interface AdminUserJson {
  id: string;
  email: string;
  name: string;
  role: string;
  isActive: boolean;
  mustChangePassword: boolean;
  lockedAt: string | null;
  failedLoginCount: number;
  createdAt: string;
}

const patchUser = (token: string, id: string, json: unknown) =>
  api(`/v1/admin/users/${id}`, { method: 'PATCH', token, json });

describe('GET /v1/admin/users', () => {
  it('GET /v1/admin/users pages newest first with an opaque cursor and filters by q and role', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const tag = `pg${Math.random().toString(36).slice(2, 8)}`;
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createTestUser({ email: uniqueEmail(tag) }));
    const seen: AdminUserJson[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = `?q=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await api(`/v1/admin/users${qs}`, { token: root.token });
      expect(res.status).toBe(200);
      const page = await json<{ data: AdminUserJson[]; nextCursor: string | null }>(res);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.map((u) => u.id)).toEqual(created.map((u) => u.id).reverse());
    expect(JSON.stringify(seen)).not.toMatch(/\$2[aby]\$|passwordHash/);
    expect(seen[0]).toMatchObject({ role: 'user', isActive: true, lockedAt: null, failedLoginCount: 0 });

    const admins = await json<{ data: AdminUserJson[] }>(
      await api('/v1/admin/users?role=super_admin&limit=100', { token: root.token }),
    );
    expect(admins.data.every((u) => u.role === 'super_admin')).toBe(true);
    expect(admins.data.map((u) => u.id)).toContain(root.id);
  });

  it('GET /v1/admin/users refuses a forged cursor, a bad limit and unknown parameters with 422', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    await expectProblem(await api('/v1/admin/users?cursor=bm9wZQ', { token: root.token }), 422, 'INVALID_CURSOR');
    const first = await json<{ nextCursor: string | null }>(
      await api('/v1/admin/users?limit=1', { token: root.token }),
    );
    const mac = (first.nextCursor as string).split('.')[1];
    const otherId = btoa(JSON.stringify({ i: uuidv7() }))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '');
    await expectProblem(
      await api(`/v1/admin/users?cursor=${otherId}.${mac}`, { token: root.token }),
      422,
      'INVALID_CURSOR',
    );
    await expectProblem(await api("/v1/admin/users?cursor=';drop table users;--", { token: root.token }), 422);
    await expectProblem(await api('/v1/admin/users?limit=0', { token: root.token }), 422);
    await expectProblem(await api('/v1/admin/users?limit=101', { token: root.token }), 422);
    await expectProblem(await api('/v1/admin/users?role=god', { token: root.token }), 422);
    await expectProblem(await api('/v1/admin/users?sort=email', { token: root.token }), 422);
  });

  it('GET /v1/admin/users is for super admins only', async () => {
    const admin = await createTestUser({ role: 'admin' });
    await expectProblem(await api('/v1/admin/users', { token: admin.token }), 403, 'FORBIDDEN');
    await expectProblem(await api('/v1/admin/users'), 401);
  });
});

describe('POST /v1/admin/users', () => {
  it('POST /v1/admin/users creates an admin who must change the password at first sign-in', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const email = uniqueEmail('newadmin');
    const password = strongPassword();
    const res = await api('/v1/admin/users', {
      method: 'POST',
      token: root.token,
      json: { email, name: 'New Admin', password, role: 'admin' },
    });
    expect(res.status).toBe(201);
    const created = await json<AdminUserJson>(res);
    expect(created).toMatchObject({ email, role: 'admin', mustChangePassword: true, isActive: true });
    expect(res.headers.get('Location')).toBe(`/v1/admin/users/${created.id}`);
    const tokens = await signInTokens(email, password);
    expect(tokens.user.mustChangePassword).toBe(true);
    await expectProblem(await api('/v1/me', { token: tokens.accessToken }), 403, 'PASSWORD_CHANGE_REQUIRED');
  });

  it('POST /v1/admin/users answers 409 EMAIL_TAKEN and 422 for a weak password or unknown keys', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const existing = await createTestUser();
    const body = { email: existing.email, name: 'Dup', password: strongPassword() };
    await expectProblem(
      await api('/v1/admin/users', { method: 'POST', token: root.token, json: body }),
      409,
      'EMAIL_TAKEN',
    );
    await expectProblem(
      await api('/v1/admin/users', {
        method: 'POST',
        token: root.token,
        json: { email: uniqueEmail(), name: 'Weak', password: 'Password1234' },
      }),
      422,
    );
    await expectProblem(
      await api('/v1/admin/users', {
        method: 'POST',
        token: root.token,
        json: { email: uniqueEmail(), name: 'X', password: strongPassword(), isActive: true, passwordHash: 'x' },
      }),
      422,
    );
  });

  it('POST /v1/admin/users by an admin (not super admin) is a 403 and creates nothing', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const email = uniqueEmail('escalate');
    await expectProblem(
      await api('/v1/admin/users', {
        method: 'POST',
        token: admin.token,
        json: { email, name: 'Sneaky', password: strongPassword(), role: 'super_admin' },
      }),
      403,
      'FORBIDDEN',
    );
    expect(await testDb().select().from(users).where(eq(users.email, email))).toHaveLength(0);
  });
});

describe('PATCH /v1/admin/users/:id', () => {
  it('PATCH /v1/admin/users/:id role changes apply to the user’s very next request, token unchanged', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const target = await createTestUser();
    const probe = () =>
      api('/v1/admin/users/01890000-0000-7000-8000-000000000000/unlock', { method: 'POST', token: target.token });
    await expectProblem(await probe(), 403, 'FORBIDDEN');

    const promoted = await patchUser(root.token, target.id, { role: 'admin' });
    expect(promoted.status).toBe(200);
    expect((await json<AdminUserJson>(promoted)).role).toBe('admin');
    await expectProblem(await probe(), 404, 'USER_NOT_FOUND'); // allowed now: the id just does not exist

    expect((await patchUser(root.token, target.id, { role: 'user' })).status).toBe(200);
    await expectProblem(await probe(), 403, 'FORBIDDEN');

    const events = await testDb()
      .select()
      .from(analyticsEvents)
      .where(and(eq(analyticsEvents.userId, target.id), eq(analyticsEvents.type, 'role_changed')));
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.metadata)).toEqual(
      expect.arrayContaining([expect.objectContaining({ from: 'user', to: 'admin', actorId: root.id })]),
    );
  });

  it('PATCH /v1/admin/users/:id isActive:false cuts the user off at once; re-enabling allows signing in again', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const target = await createTestUser();
    const tokens = await signInTokens(target.email);
    const res = await patchUser(root.token, target.id, { isActive: false });
    expect(res.status).toBe(200);
    expect((await json<AdminUserJson>(res)).isActive).toBe(false);
    await expectProblem(await api('/v1/me', { token: tokens.accessToken }), 401, 'SESSION_ENDED');
    await expectProblem(await api('/v1/me', { token: target.token }), 401, 'SESSION_ENDED');
    const refresh = await api('/v1/auth/refresh', {
      method: 'POST',
      ip: randomIp(),
      json: { refreshToken: tokens.refreshToken },
    });
    await expectProblem(refresh, 401, 'INVALID_REFRESH_TOKEN');
    await expectProblem(await signIn(target.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');
    const live = await testDb()
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, target.id), isNull(sessions.revokedAt)));
    expect(live).toHaveLength(0);

    expect((await patchUser(root.token, target.id, { isActive: true })).status).toBe(200);
    expect((await signIn(target.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('PATCH /v1/admin/users/:id refuses unknown keys, an unknown role and answers 404 for an unknown user', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const target = await createTestUser();
    await expectProblem(await patchUser(root.token, target.id, { email: 'x@example.com' }), 422);
    await expectProblem(await patchUser(root.token, target.id, { passwordHash: '$2b$04$x' }), 422);
    await expectProblem(await patchUser(root.token, target.id, { lockedUntil: null }), 422);
    await expectProblem(await patchUser(root.token, target.id, { role: 'owner' }), 422);
    await expectProblem(
      await patchUser(root.token, '01890000-0000-7000-8000-000000000001', { name: 'Nobody' }),
      404,
      'USER_NOT_FOUND',
    );
  });

  it('PATCH /v1/admin/users/:id lets a super admin demote another super admin while one remains', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const other = await createTestUser({ role: 'super_admin' });
    const res = await patchUser(root.token, other.id, { role: 'admin' });
    expect(res.status).toBe(200);
    await expectProblem(await api('/v1/admin/users', { token: other.token }), 403, 'FORBIDDEN');
  });

  it('PATCH /v1/admin/users/:id cannot demote or disable the last active super admin (409 LAST_SUPER_ADMIN)', async () => {
    // Other test files create super admins concurrently, so "the last one" is set up inside a
    // transaction that is rolled back: it disables every other super admin (invisible to
    // everyone else), then runs the route's exact statement.
    const last = await createTestUser({ role: 'super_admin' });
    const deps = { db: testDb(), config: testConfig(), clock: systemClock };
    const actor = { userId: last.id, ip: null };
    const { db: poolDb, end } = createPoolDb(testConfig());
    const outcomes: Array<{ patch: object; code: string }> = [];
    try {
      for (const patch of [
        { role: 'admin' as const },
        { isActive: false },
        { role: 'user' as const, isActive: false },
      ]) {
        await poolDb
          .transaction(async (tx) => {
            await tx.execute(
              sql`update users set is_active = false where role = 'super_admin' and is_active and id <> ${last.id}::uuid`,
            );
            await tx.execute(superAdminLock());
            const result = await tx.execute(updateUserStatement(deps, actor, last.id, patch));
            try {
              updateUserOutcome(result.rows[0] as Record<string, unknown>);
              outcomes.push({ patch, code: 'UPDATED' });
            } catch (error) {
              outcomes.push({ patch, code: (error as { code: string }).code });
            }
            throw new Error('rollback');
          })
          .catch((error: Error) => {
            if (error.message !== 'rollback') throw error;
          });
      }
      // Control: the same statement passes for a change that keeps them a super admin.
      await poolDb
        .transaction(async (tx) => {
          await tx.execute(
            sql`update users set is_active = false where role = 'super_admin' and is_active and id <> ${last.id}::uuid`,
          );
          const result = await tx.execute(updateUserStatement(deps, actor, last.id, { name: 'Still Root' }));
          updateUserOutcome(result.rows[0] as Record<string, unknown>);
          outcomes.push({ patch: { name: 'Still Root' }, code: 'UPDATED' });
          throw new Error('rollback');
        })
        .catch((error: Error) => {
          if (error.message !== 'rollback') throw error;
        });
    } finally {
      await end();
    }
    expect(outcomes.map((o) => o.code)).toEqual([
      'LAST_SUPER_ADMIN',
      'LAST_SUPER_ADMIN',
      'LAST_SUPER_ADMIN',
      'UPDATED',
    ]);
    // Nothing leaked out of the rolled-back transactions.
    const [row] = await testDb().select().from(users).where(eq(users.id, last.id));
    expect(row).toMatchObject({ role: 'super_admin', isActive: true });
  });

  it('PATCH /v1/admin/users/:id by two super admins demoting each other at once leaves at least one', async () => {
    const a = await createTestUser({ role: 'super_admin' });
    const b = await createTestUser({ role: 'super_admin' });
    const [ra, rb] = await Promise.all([
      patchUser(a.token, b.id, { role: 'admin' }),
      patchUser(b.token, a.id, { role: 'admin' }),
    ]);
    // Other super admins exist in the shared database, so both may pass; what must never
    // happen is an error other than the contract's.
    for (const r of [ra, rb]) expect([200, 403, 409]).toContain(r.status);
    const [remaining] = await testDb()
      .select({ n: sql<number>`count(*)::int` })
      .from(users)
      .where(and(eq(users.role, 'super_admin'), eq(users.isActive, true)));
    expect(Number(remaining?.n)).toBeGreaterThanOrEqual(1);
  });
});

describe('DELETE /v1/admin/users/:id/sessions', () => {
  it('DELETE /v1/admin/users/:id/sessions ends every session of the user at once', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const target = await createTestUser();
    const a = await signInTokens(target.email);
    const b = await signInTokens(target.email);
    const res = await api(`/v1/admin/users/${target.id}/sessions`, { method: 'DELETE', token: root.token });
    expect(res.status).toBe(204);
    for (const token of [a.accessToken, b.accessToken, target.token]) {
      await expectProblem(await api('/v1/me', { token }), 401, 'SESSION_ENDED');
    }
    const refresh = await api('/v1/auth/refresh', {
      method: 'POST',
      ip: randomIp(),
      json: { refreshToken: a.refreshToken },
    });
    await expectProblem(refresh, 401, 'INVALID_REFRESH_TOKEN');
    // The account itself still works: a new sign-in is fine.
    expect((await signIn(target.email, TEST_PASSWORD)).status).toBe(200);
    expect((await api('/v1/me', { token: root.token })).status).toBe(200);
  });

  it('DELETE /v1/admin/users/:id/sessions ends 60 sessions in one go and records one capped event', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const target = await createTestUser();
    const expiresAt = new Date(Date.now() + 24 * 3600_000);
    await testDb()
      .insert(sessions)
      .values(Array.from({ length: 59 }, () => ({ id: uuidv7(), userId: target.id, deviceName: 'bulk', expiresAt })));
    const res = await api(`/v1/admin/users/${target.id}/sessions`, { method: 'DELETE', token: root.token });
    expect(res.status).toBe(204);
    const [event] = await testDb()
      .select()
      .from(analyticsEvents)
      .where(and(eq(analyticsEvents.userId, target.id), eq(analyticsEvents.type, 'session_ended')));
    expect(event?.metadata).toMatchObject({ reason: 'ended_by_admin', count: 60, actorId: root.id });
    expect(event?.metadata.sessionIds).toHaveLength(20);
  });

  it('DELETE /v1/admin/users/:id/sessions is a 404 for an unknown user and a 403 for an admin', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const admin = await createTestUser({ role: 'admin' });
    await expectProblem(
      await api('/v1/admin/users/01890000-0000-7000-8000-000000000002/sessions', {
        method: 'DELETE',
        token: root.token,
      }),
      404,
      'USER_NOT_FOUND',
    );
    await expectProblem(
      await api(`/v1/admin/users/${root.id}/sessions`, { method: 'DELETE', token: admin.token }),
      403,
      'FORBIDDEN',
    );
    expect((await api('/v1/me', { token: root.token })).status).toBe(200);
  });
});

describe('POST /v1/admin/users/:id/unlock on a super admin', () => {
  const lock = (id: string) =>
    testDb().update(users).set({ lockedAt: new Date(), failedLoginCount: 100 }).where(eq(users.id, id));
  const lockState = async (id: string) => {
    const [row] = await testDb()
      .select({ lockedAt: users.lockedAt, count: users.failedLoginCount })
      .from(users)
      .where(eq(users.id, id));
    return row;
  };

  it('POST /v1/admin/users/:id/unlock of a super admin by an admin is a 403 and changes nothing', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const admin = await createTestUser({ role: 'admin' });
    await lock(root.id);
    await expectProblem(
      await api(`/v1/admin/users/${root.id}/unlock`, { method: 'POST', token: admin.token }),
      403,
      'FORBIDDEN',
    );
    const after = await lockState(root.id);
    expect(after?.lockedAt).not.toBeNull();
    expect(after?.count).toBe(100);
    const events = await testDb()
      .select()
      .from(analyticsEvents)
      .where(and(eq(analyticsEvents.userId, root.id), eq(analyticsEvents.type, 'account_unlocked')));
    expect(events).toHaveLength(0);
  });

  it('POST /v1/admin/users/:id/unlock of a super admin by a super admin unlocks it', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const other = await createTestUser({ role: 'super_admin' });
    await lock(root.id);
    const res = await api(`/v1/admin/users/${root.id}/unlock`, { method: 'POST', token: other.token });
    expect(res.status).toBe(204);
    expect(await lockState(root.id)).toEqual({ lockedAt: null, count: 0 });
  });
});
