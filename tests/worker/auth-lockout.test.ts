import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { analyticsEvents, notificationQueue, users } from '../../src/db/schema';
import { TEST_CLOCK_HEADER } from '../../src/lib/clock';
import { api, expectProblem } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestUser, signIn, TEST_PASSWORD } from '../helpers/users';

const WRONG = 'not the right password';
const later = (ms: number) => ({ [TEST_CLOCK_HEADER]: String(ms) });
const LOCK_MS = 15 * 60_000;

async function state(userId: string) {
  const [row] = await testDb()
    .select({ count: users.failedLoginCount, lockedUntil: users.lockedUntil })
    .from(users)
    .where(eq(users.id, userId));
  return row as { count: number; lockedUntil: Date | null };
}

async function lockNotifications(email: string) {
  return testDb()
    .select()
    .from(notificationQueue)
    .where(and(eq(notificationQueue.recipient, email), eq(notificationQueue.kind, 'account_locked')));
}

describe('account lockout', () => {
  it('POST /v1/auth/login locks after 5 failures in a row, refuses the right password while locked, accepts it after', async () => {
    const user = await createTestUser();
    for (let i = 1; i <= 4; i++) {
      await expectProblem(await signIn(user.email, WRONG), 401, 'INVALID_CREDENTIALS');
      expect((await state(user.id)).lockedUntil).toBeNull();
    }
    await expectProblem(await signIn(user.email, WRONG), 401, 'INVALID_CREDENTIALS');
    const locked = await state(user.id);
    expect(locked.count).toBe(5);
    expect(locked.lockedUntil).not.toBeNull();
    const minutes = ((locked.lockedUntil as Date).getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15.1);

    await expectProblem(await signIn(user.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');
    // 14 minutes later: still locked.
    await expectProblem(
      await signIn(user.email, TEST_PASSWORD, { headers: later(14 * 60_000) }),
      401,
      'INVALID_CREDENTIALS',
    );
    // Past the 15 minutes: the right password works and resets the count.
    const res = await signIn(user.email, TEST_PASSWORD, { headers: later(LOCK_MS + 5_000) });
    expect(res.status).toBe(200);
    const after = await state(user.id);
    expect(after.count).toBe(0);
    expect(after.lockedUntil).toBeNull();
  });

  it('POST /v1/auth/login queues one account_locked email for the owner and records the lockout', async () => {
    const user = await createTestUser({ name: 'Locked Owner' });
    for (let i = 0; i < 7; i++) await signIn(user.email, WRONG);
    const rows = await lockNotifications(user.email);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.payload).toMatchObject({ userId: user.id, name: 'Locked Owner' });
    expect(rows[0]?.idempotencyKey).toMatch(new RegExp(`^account_locked:${user.id}:\\d+$`));
    const events = await testDb()
      .select()
      .from(analyticsEvents)
      .where(and(eq(analyticsEvents.userId, user.id), eq(analyticsEvents.type, 'account_locked')));
    expect(events).toHaveLength(1);
    // Wrong guesses during the lock keep counting but do not extend it.
    const s = await state(user.id);
    expect(s.count).toBe(7);
  });

  it('POST /v1/auth/login counts 20 parallel wrong guesses as exactly 20, with a single lockout notification', async () => {
    const user = await createTestUser();
    const responses = await Promise.all(Array.from({ length: 20 }, () => signIn(user.email, WRONG)));
    for (const res of responses) await expectProblem(res, 401, 'INVALID_CREDENTIALS');
    const s = await state(user.id);
    expect(s.count).toBe(20);
    expect(s.lockedUntil).not.toBeNull();
    expect(await lockNotifications(user.email)).toHaveLength(1);
  });

  it('POST /v1/auth/login never locks anyone out on parallel correct sign-ins', async () => {
    const user = await createTestUser();
    const responses = await Promise.all(Array.from({ length: 10 }, () => signIn(user.email, TEST_PASSWORD)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const s = await state(user.id);
    expect(s.count).toBe(0);
    expect(s.lockedUntil).toBeNull();
  });

  it('POST /v1/auth/login resets the count on success: failures must be in a row to lock', async () => {
    const user = await createTestUser();
    for (let i = 0; i < 4; i++) await signIn(user.email, WRONG);
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
    expect((await state(user.id)).count).toBe(0);
    for (let i = 0; i < 4; i++) await signIn(user.email, WRONG);
    expect((await state(user.id)).lockedUntil).toBeNull();
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('POST /v1/auth/login starts a fresh count once a lock has run out', async () => {
    const user = await createTestUser();
    for (let i = 0; i < 5; i++) await signIn(user.email, WRONG);
    await signIn(user.email, WRONG, { headers: later(LOCK_MS + 60_000) });
    const s = await state(user.id);
    expect(s.count).toBe(1);
    expect(s.lockedUntil).toBeNull();
    expect((await signIn(user.email, TEST_PASSWORD, { headers: later(LOCK_MS + 61_000) })).status).toBe(200);
  });

  it('POST /v1/admin/users/:id/unlock lets an admin lift a lock at once', async () => {
    const user = await createTestUser();
    const admin = await createTestUser({ role: 'admin' });
    for (let i = 0; i < 5; i++) await signIn(user.email, WRONG);
    await expectProblem(await signIn(user.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');
    const res = await api(`/v1/admin/users/${user.id}/unlock`, { method: 'POST', token: admin.token });
    expect(res.status).toBe(204);
    expect(await state(user.id)).toEqual({ count: 0, lockedUntil: null });
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('POST /v1/admin/users/:id/unlock is a 404 for an unknown user and a 403 for a plain user', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const plain = await createTestUser();
    const unknown = '01890000-0000-7000-8000-000000000000';
    await expectProblem(
      await api(`/v1/admin/users/${unknown}/unlock`, { method: 'POST', token: admin.token }),
      404,
      'USER_NOT_FOUND',
    );
    await expectProblem(
      await api(`/v1/admin/users/${plain.id}/unlock`, { method: 'POST', token: plain.token }),
      403,
      'FORBIDDEN',
    );
  });
});
