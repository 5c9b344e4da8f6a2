import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { analyticsEvents, notificationQueue, users } from '../../src/db/schema';
import { TEST_CLOCK_HEADER } from '../../src/lib/clock';
import { api, expectProblem } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestUser, randomIp, signIn, strongPassword, TEST_PASSWORD } from '../helpers/users';

const WRONG = 'not the right password';
const later = (ms: number) => ({ [TEST_CLOCK_HEADER]: String(ms) });
const LOCK_MS = 15 * 60_000;
const CLIENT_MAX = 5;
const ACCOUNT_MAX = 100;

async function state(userId: string) {
  const [row] = await testDb()
    .select({ count: users.failedLoginCount, lockedAt: users.lockedAt })
    .from(users)
    .where(eq(users.id, userId));
  return row as { count: number; lockedAt: Date | null };
}

async function lockNotifications(email: string) {
  return testDb()
    .select()
    .from(notificationQueue)
    .where(and(eq(notificationQueue.recipient, email), eq(notificationQueue.kind, 'account_locked')));
}

/** Brings an account one failure short of the account-wide ceiling, as 99 strangers would. */
const nearCeiling = (userId: string) =>
  testDb()
    .update(users)
    .set({ failedLoginCount: ACCOUNT_MAX - 1 })
    .where(eq(users.id, userId));

async function guess(email: string, ip: string, times: number) {
  for (let i = 0; i < times; i++) await expectProblem(await signIn(email, WRONG, { ip }), 401, 'INVALID_CREDENTIALS');
}

describe('lockout per client', () => {
  it("POST /v1/auth/login locks only the guessing client after 5 failures: the owner's own client still signs in", async () => {
    const user = await createTestUser();
    const stranger = randomIp();
    await guess(user.email, stranger, CLIENT_MAX);
    // The stranger's client is locked: even the right password fails there…
    await expectProblem(await signIn(user.email, TEST_PASSWORD, { ip: stranger }), 401, 'INVALID_CREDENTIALS');
    // …but the owner, elsewhere, is not locked out, and no email went out for a client lock.
    expect((await signIn(user.email, TEST_PASSWORD, { ip: randomIp() })).status).toBe(200);
    expect(await lockNotifications(user.email)).toHaveLength(0);
  });

  it('POST /v1/auth/login treats one IPv6 /64 as one client and another /64 as another', async () => {
    const user = await createTestUser();
    for (let i = 1; i <= CLIENT_MAX; i++) {
      await expectProblem(await signIn(user.email, WRONG, { ip: `2001:db8:aa:1::${i}` }), 401, 'INVALID_CREDENTIALS');
    }
    await expectProblem(
      await signIn(user.email, TEST_PASSWORD, { ip: '2001:db8:aa:1:ffff::9' }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect((await signIn(user.email, TEST_PASSWORD, { ip: '2001:db8:aa:2::1' })).status).toBe(200);
  });

  it('POST /v1/auth/login lifts a client lock after 15 minutes; the count starts afresh', async () => {
    const user = await createTestUser();
    const ip = randomIp();
    await guess(user.email, ip, CLIENT_MAX);
    await expectProblem(
      await signIn(user.email, TEST_PASSWORD, { ip, headers: later(14 * 60_000) }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect((await signIn(user.email, TEST_PASSWORD, { ip, headers: later(LOCK_MS + 5_000) })).status).toBe(200);
    expect((await state(user.id)).count).toBe(0);
  });

  it('POST /v1/auth/login resets the client count on success: failures must be in a row to lock', async () => {
    const user = await createTestUser();
    const ip = randomIp();
    await guess(user.email, ip, CLIENT_MAX - 1);
    expect((await signIn(user.email, TEST_PASSWORD, { ip })).status).toBe(200);
    await guess(user.email, ip, CLIENT_MAX - 1);
    expect((await signIn(user.email, TEST_PASSWORD, { ip })).status).toBe(200);
  });

  it("POST /v1/admin/users/:id/unlock is not undone by the stranger's next guesses", async () => {
    const user = await createTestUser();
    const admin = await createTestUser({ role: 'admin' });
    const stranger = randomIp();
    await guess(user.email, stranger, CLIENT_MAX);
    expect((await api(`/v1/admin/users/${user.id}/unlock`, { method: 'POST', token: admin.token })).status).toBe(204);
    await guess(user.email, stranger, CLIENT_MAX + 2);
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });
});

describe('the account-wide ceiling', () => {
  it('POST /v1/auth/login counts 20 parallel wrong guesses from 20 clients as exactly 20 against the account', async () => {
    const user = await createTestUser();
    const responses = await Promise.all(Array.from({ length: 20 }, () => signIn(user.email, WRONG)));
    for (const res of responses) await expectProblem(res, 401, 'INVALID_CREDENTIALS');
    const s = await state(user.id);
    expect(s.count).toBe(20);
    expect(s.lockedAt).toBeNull();
  });

  it('POST /v1/auth/login locks the account for new clients at 100 failures, mails the owner once, and lets a known client in', async () => {
    const user = await createTestUser({ name: 'Locked Owner' });
    const home = randomIp();
    expect((await signIn(user.email, TEST_PASSWORD, { ip: home })).status).toBe(200);
    await nearCeiling(user.id);
    await guess(user.email, randomIp(), 1);
    const locked = await state(user.id);
    expect(locked.count).toBe(ACCOUNT_MAX);
    expect(locked.lockedAt).not.toBeNull();
    // No time runs it out: only a stronger check does (NIST SP 800-63B: at most 100 failures).
    await expectProblem(
      await signIn(user.email, TEST_PASSWORD, { headers: later(7 * 24 * 3600_000) }),
      401,
      'INVALID_CREDENTIALS',
    );
    // More guesses from more clients: still one email for this lock.
    for (let i = 0; i < 3; i++) await guess(user.email, randomIp(), 1);
    const rows = await lockNotifications(user.email);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.payload).toMatchObject({ userId: user.id, name: 'Locked Owner' });
    const events = await testDb()
      .select()
      .from(analyticsEvents)
      .where(and(eq(analyticsEvents.userId, user.id), eq(analyticsEvents.type, 'account_locked')));
    expect(events).toHaveLength(1);
    // The owner's known client (signed in from there before) proves more than a password alone:
    // it still signs in, and that lifts the account lock.
    expect((await signIn(user.email, TEST_PASSWORD, { ip: home })).status).toBe(200);
    expect(await state(user.id)).toEqual({ count: 0, lockedAt: null });
  });

  it('POST /v1/admin/users/:id/unlock lifts the account lock at once', async () => {
    const user = await createTestUser();
    const admin = await createTestUser({ role: 'admin' });
    await nearCeiling(user.id);
    await guess(user.email, randomIp(), 1);
    await expectProblem(await signIn(user.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');
    expect((await api(`/v1/admin/users/${user.id}/unlock`, { method: 'POST', token: admin.token })).status).toBe(204);
    expect(await state(user.id)).toEqual({ count: 0, lockedAt: null });
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('POST /v1/auth/login never locks anyone out on parallel correct sign-ins', async () => {
    const user = await createTestUser();
    const responses = await Promise.all(Array.from({ length: 10 }, () => signIn(user.email, TEST_PASSWORD)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await state(user.id)).toEqual({ count: 0, lockedAt: null });
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

describe('POST /v1/me/password and the lockout', () => {
  const changePassword = (token: string, currentPassword: string, ip = randomIp()) =>
    api('/v1/me/password', { method: 'POST', token, ip, json: { currentPassword, newPassword: strongPassword() } });

  it('POST /v1/me/password lets a signed-in owner change the password while the account is locked, which lifts the lock', async () => {
    const user = await createTestUser();
    await nearCeiling(user.id);
    await guess(user.email, randomIp(), 1);
    expect((await state(user.id)).lockedAt).not.toBeNull();
    expect((await changePassword(user.token, TEST_PASSWORD)).status).toBe(204);
    expect(await state(user.id)).toEqual({ count: 0, lockedAt: null });
  });

  it('POST /v1/me/password is not refused because strangers locked their own clients', async () => {
    const user = await createTestUser();
    await guess(user.email, randomIp(), CLIENT_MAX);
    expect((await changePassword(user.token, TEST_PASSWORD)).status).toBe(204);
  });

  it('POST /v1/me/password limits guesses per session: after 5 wrong ones even the right one waits (429)', async () => {
    const user = await createTestUser();
    for (let i = 0; i < CLIENT_MAX; i++) {
      await expectProblem(await changePassword(user.token, WRONG), 422, 'INVALID_CURRENT_PASSWORD');
    }
    const res = await changePassword(user.token, TEST_PASSWORD);
    await expectProblem(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await state(user.id)).count).toBe(CLIENT_MAX);
  });
});
