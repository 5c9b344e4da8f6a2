import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { analyticsEvents, sessions, users } from '../../src/db/schema';
import { hashCost } from '../../src/services/auth/passwords';
import { api, expectProblem, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testConfig, testDb } from '../helpers/db';
import {
  createTestUser,
  randomIp,
  signIn,
  signInTokens,
  strongPassword,
  TEST_PASSWORD,
  type TokensBody,
  uniqueEmail,
} from '../helpers/users';

function register(body: Record<string, unknown>, ip = randomIp()) {
  return api('/v1/auth/register', { method: 'POST', json: body, ip });
}

describe('POST /v1/auth/register', () => {
  it('POST /v1/auth/register creates a user account and returns tokens without any hash', async () => {
    const email = uniqueEmail('reg');
    const res = await register({ email: `  ${email.toUpperCase()} `, password: strongPassword(), name: ' Jane Doe ' });
    expect(res.status).toBe(201);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const text = await res.text();
    expect(text).not.toMatch(/\$2[aby]\$/);
    expect(text).not.toMatch(/hash/i);
    const body = JSON.parse(text) as TokensBody;
    expect(body.user).toMatchObject({
      email,
      name: 'Jane Doe',
      role: 'user',
      isActive: true,
      mustChangePassword: false,
    });
    expect(body.user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(body.expiresIn).toBe(900);
    expect(body.refreshToken).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    const me = await api('/v1/me', { token: body.accessToken });
    expect(me.status).toBe(200);
    expect((await json(me)).email).toBe(email);
  });

  it('POST /v1/auth/register stores only a bcrypt hash and a session with a truncated IP', async () => {
    const email = uniqueEmail('reg');
    const password = strongPassword();
    const res = await register({ email, password, name: 'Stored' }, '203.0.113.77');
    const body = await json<TokensBody>(res);
    const db = testDb();
    const [row] = await db.select().from(users).where(eq(users.email, email));
    expect(row?.passwordHash).toMatch(/^\$2[ab]\$\d\d\$/);
    expect(hashCost(row?.passwordHash ?? '')).toBe(testConfig().BCRYPT_COST);
    expect(row?.passwordHash).not.toContain(password);
    const [session] = await db.select().from(sessions).where(eq(sessions.userId, body.user.id));
    expect(session?.ipAddress).toBe('203.0.113.0/24');
  });

  it('POST /v1/auth/register answers 409 EMAIL_TAKEN for an existing email in any case', async () => {
    const email = uniqueEmail('dup');
    expect((await register({ email, password: strongPassword(), name: 'First' })).status).toBe(201);
    await expectProblem(
      await register({ email: email.toUpperCase(), password: strongPassword(), name: 'Second' }),
      409,
      'EMAIL_TAKEN',
    );
  });

  it('POST /v1/auth/register ignores no field: role, isActive or unknown keys are a 422', async () => {
    for (const extra of [
      { role: 'super_admin' },
      { isActive: false },
      { passwordHash: '$2b$04$x' },
      { lockedUntil: null },
    ]) {
      const email = uniqueEmail('mass');
      const res = await register({ email, password: strongPassword(), name: 'Mallory', ...extra });
      const problem = await expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problem.errors?.length).toBeGreaterThan(0);
      const rows = await testDb().select().from(users).where(eq(users.email, email));
      expect(rows).toHaveLength(0);
    }
  });

  it('POST /v1/auth/register refuses passwords of 11 chars, 65 chars, 73 UTF-8 bytes and common ones', async () => {
    const cases = [
      'abcdefghijk', // 11 characters
      'a'.repeat(65),
      `${'é'.repeat(36)}a`, // 37 characters but 73 bytes: never silently cut
      'Password1234', // on the common-password list (case-insensitive)
      '123qweasdzxc',
    ];
    for (const password of cases) {
      const problem = await expectProblem(
        await register({ email: uniqueEmail('weak'), password, name: 'Weak' }),
        422,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.some((e) => e.path === 'password')).toBe(true);
    }
  });

  it('POST /v1/auth/register accepts 64 ASCII characters and a 70-byte Unicode password, and they sign in', async () => {
    const ascii = `${'x'.repeat(60)}q7#z`;
    const unicode = `${'ü'.repeat(34)}ab`; // 36 characters, 70 bytes
    expect(new TextEncoder().encode(unicode).length).toBe(70);
    for (const password of [ascii, unicode]) {
      const email = uniqueEmail('long');
      expect((await register({ email, password, name: 'Long' })).status).toBe(201);
      expect((await signIn(email, password)).status).toBe(200);
    }
  });

  it('POST /v1/auth/register rejects an invalid email and a missing name with 422', async () => {
    await expectProblem(await register({ email: 'not-an-email', password: strongPassword(), name: 'X' }), 422);
    await expectProblem(await register({ email: uniqueEmail(), password: strongPassword() }), 422);
    await expectProblem(await register({ email: uniqueEmail(), password: strongPassword(), name: '' }), 422);
  });

  it('POST /v1/auth/register with malformed JSON is a 400, never a 500', async () => {
    const res = await api('/v1/auth/register', {
      method: 'POST',
      body: '{"email":',
      headers: { 'Content-Type': 'application/json' },
      ip: randomIp(),
    });
    await expectProblem(res, 400);
  });
});

describe('POST /v1/auth/login', () => {
  it('POST /v1/auth/login returns tokens, records the device and resets nothing it should not', async () => {
    const user = await createTestUser();
    const res = await signIn(user.email, TEST_PASSWORD, { deviceName: 'Work laptop', ip: '198.51.100.23' });
    expect(res.status).toBe(200);
    const body = await json<TokensBody>(res);
    expect(body.user.id).toBe(user.id);
    expect(body.user.lastLoginAt).not.toBeNull();
    const sessionsRes = await api('/v1/me/sessions', { token: body.accessToken });
    const list = await json<{ data: Array<Record<string, unknown>> }>(sessionsRes);
    const current = list.data.find((s) => s.current === true);
    expect(current).toMatchObject({ deviceName: 'Work laptop', ipAddress: '198.51.100.0/24' });
  });

  it('POST /v1/auth/login accepts the email in any case and with spaces', async () => {
    const user = await createTestUser();
    expect((await signIn(`  ${user.email.toUpperCase()}  `, TEST_PASSWORD)).status).toBe(200);
  });

  it('POST /v1/auth/login upgrades a hash made at a lower cost to the configured cost', async () => {
    // Fixtures hash at cost 4 and the suite runs the Worker at 4: this test asks for production's 10.
    const user = await createTestUser();
    const atCost10 = { vars: { BCRYPT_COST: '10' } };
    const login = (password: string) =>
      callApp(createApp(), '/v1/auth/login', {
        method: 'POST',
        ip: randomIp(),
        json: { email: user.email, password },
        ...atCost10,
      });
    const hashOf = async () =>
      (await testDb().select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id)))[0]?.hash;
    expect(await hashOf()).toMatch(/^\$2[ab]\$04\$/);
    const first = await login(TEST_PASSWORD);
    expect(first.response.status).toBe(200);
    await first.background;
    expect(await hashOf()).toMatch(/^\$2[ab]\$10\$/);
    expect((await login(TEST_PASSWORD)).response.status).toBe(200);
  });

  it('POST /v1/auth/login answers one identical 401 for unknown email, wrong password, locked and disabled', async () => {
    const wrong = await createTestUser();
    const disabled = await createTestUser({ isActive: false });
    const locked = await createTestUser();
    await testDb().update(users).set({ lockedAt: new Date(), failedLoginCount: 100 }).where(eq(users.id, locked.id));
    const responses = [
      await signIn(uniqueEmail('nobody'), TEST_PASSWORD),
      await signIn(wrong.email, 'not the password at all'),
      await signIn(locked.email, TEST_PASSWORD),
      await signIn(disabled.email, TEST_PASSWORD),
    ];
    const bodies: unknown[] = [];
    for (const res of responses) {
      expect(res.headers.get('WWW-Authenticate')).toBe('Bearer');
      const problem = await expectProblem(res, 401, 'INVALID_CREDENTIALS');
      const { requestId: _ignored, ...rest } = problem;
      bodies.push(rest);
    }
    for (const body of bodies) expect(body).toEqual(bodies[0]);
  });

  it('POST /v1/auth/login with a password longer than 72 bytes never matches a 72-byte password prefix', async () => {
    const email = uniqueEmail('trunc');
    const password = `${'é'.repeat(30)}0123456789ab`; // 42 characters, 72 bytes exactly
    expect(new TextEncoder().encode(password).length).toBe(72);
    expect((await register({ email, password, name: 'Trunc' })).status).toBe(201);
    await expectProblem(await signIn(email, `${password}EXTRA`), 401, 'INVALID_CREDENTIALS');
    expect((await signIn(email, password)).status).toBe(200);
  });

  it('POST /v1/auth/login records login_succeeded and login_failed with a truncated IP', async () => {
    const user = await createTestUser();
    await signIn(user.email, 'definitely wrong password', { ip: '192.0.2.55' });
    await signIn(user.email, TEST_PASSWORD, { ip: '192.0.2.56' });
    const events = await testDb().select().from(analyticsEvents).where(eq(analyticsEvents.userId, user.id));
    const types = events.map((e) => e.type);
    expect(types).toContain('login_failed');
    expect(types).toContain('login_succeeded');
    for (const e of events) expect(e.ipAddress).toBe('192.0.2.0/24');
    expect(JSON.stringify(events)).not.toContain('definitely wrong password');
  });

  it('POST /v1/auth/login gives a mustChangePassword user tokens that only allow POST /v1/me/password', async () => {
    const user = await createTestUser({ mustChangePassword: true, role: 'admin' });
    const tokens = await signInTokens(user.email);
    expect(tokens.user.mustChangePassword).toBe(true);
    await expectProblem(await api('/v1/me', { token: tokens.accessToken }), 403, 'PASSWORD_CHANGE_REQUIRED');
    await expectProblem(
      await api('/v1/admin/users/00000000-0000-7000-8000-000000000000/unlock', {
        method: 'POST',
        token: tokens.accessToken,
      }),
      403,
      'PASSWORD_CHANGE_REQUIRED',
    );
    const newPassword = strongPassword();
    const change = await api('/v1/me/password', {
      method: 'POST',
      token: tokens.accessToken,
      ip: randomIp(),
      json: { currentPassword: TEST_PASSWORD, newPassword },
    });
    expect(change.status).toBe(204);
    const me = await api('/v1/me', { token: tokens.accessToken });
    expect(me.status).toBe(200);
    expect((await json(me)).mustChangePassword).toBe(false);
    expect((await signIn(user.email, newPassword)).status).toBe(200);
    await expectProblem(await signIn(user.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');
  });

  it('POST /v1/auth/login refuses unknown keys with 422', async () => {
    const user = await createTestUser();
    const res = await api('/v1/auth/login', {
      method: 'POST',
      ip: randomIp(),
      json: { email: user.email, password: TEST_PASSWORD, role: 'admin' },
    });
    await expectProblem(res, 422, 'VALIDATION_FAILED');
  });
});

describe('rate limiting of /v1/auth/*', () => {
  it('POST /v1/auth/login answers 429 with Retry-After once one IP spends its budget', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await api('/v1/auth/login', { method: 'POST', ip, json: { email: 'x', password: 'y' } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(Number(limited?.headers.get('Retry-After'))).toBeGreaterThan(0);
    await expectProblem(limited as Response, 429, 'RATE_LIMITED');
    expect(statuses.filter((s) => s !== 429).length).toBeGreaterThanOrEqual(20);
    // Another address still has its own budget; X-Forwarded-For cannot borrow one.
    const other = await api('/v1/auth/login', {
      method: 'POST',
      ip: randomIp(),
      json: { email: 'x', password: 'y' },
    });
    expect(other.status).toBe(422);
    const spoofed = await api('/v1/auth/login', {
      method: 'POST',
      ip,
      headers: { 'X-Forwarded-For': randomIp() },
      json: { email: 'x', password: 'y' },
    });
    expect(spoofed.status).toBe(429);
  });
});
