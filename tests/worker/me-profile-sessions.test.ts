import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { analyticsEvents, sessions, users } from '../../src/db/schema';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestUser, randomIp, signIn, signInTokens, strongPassword, TEST_PASSWORD } from '../helpers/users';

interface SessionJson {
  id: string;
  deviceName: string | null;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: string;
  lastUsedAt: string;
  current: boolean;
}

function changePassword(token: string, body: Record<string, unknown>) {
  return api('/v1/me/password', { method: 'POST', token, ip: randomIp(), json: body });
}

describe('GET and PATCH /v1/me', () => {
  it('GET /v1/me returns the caller without any secret', async () => {
    const user = await createTestUser({ name: 'Ada' });
    const res = await api('/v1/me', { token: user.token });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toMatch(/passwordHash|password_hash|"hash"|\$2[aby]\$/i);
    expect(JSON.parse(text)).toMatchObject({ id: user.id, email: user.email, name: 'Ada', role: 'user' });
  });

  it('PATCH /v1/me changes only the name', async () => {
    const user = await createTestUser();
    const res = await api('/v1/me', { method: 'PATCH', token: user.token, json: { name: '  New Name ' } });
    expect(res.status).toBe(200);
    expect((await json(res)).name).toBe('New Name');
  });

  it('PATCH /v1/me refuses mass assignment: role, isActive, lockedUntil, passwordHash or unknown keys are a 422 and change nothing', async () => {
    const user = await createTestUser({ name: 'Before' });
    const attempts: Record<string, unknown>[] = [
      { name: 'After', role: 'super_admin' },
      { role: 'admin' },
      { isActive: false },
      { lockedUntil: null },
      { passwordHash: '$2b$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234' },
      { email: 'takeover@example.com' },
      { name: 'After', mustChangePassword: true },
    ];
    for (const body of attempts) {
      await expectProblem(
        await api('/v1/me', { method: 'PATCH', token: user.token, json: body }),
        422,
        'VALIDATION_FAILED',
      );
    }
    const [row] = await testDb().select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({
      name: 'Before',
      role: 'user',
      isActive: true,
      email: user.email,
      mustChangePassword: false,
    });
  });

  it('PATCH /v1/me refuses an empty or over-long name', async () => {
    const user = await createTestUser();
    await expectProblem(await api('/v1/me', { method: 'PATCH', token: user.token, json: { name: '   ' } }), 422);
    await expectProblem(
      await api('/v1/me', { method: 'PATCH', token: user.token, json: { name: 'x'.repeat(101) } }),
      422,
    );
  });

  it('GET /v1/me without a token is a 401', async () => {
    await expectProblem(await api('/v1/me'), 401, 'UNAUTHORIZED');
  });
});

describe('POST /v1/me/password', () => {
  it('POST /v1/me/password ends every other session and keeps the current one', async () => {
    const user = await createTestUser();
    const phone = await signInTokens(user.email, TEST_PASSWORD, 'phone');
    const laptop = await signInTokens(user.email, TEST_PASSWORD, 'laptop');
    const newPassword = strongPassword();
    const res = await changePassword(laptop.accessToken, { currentPassword: TEST_PASSWORD, newPassword });
    expect(res.status).toBe(204);
    expect((await api('/v1/me', { token: laptop.accessToken })).status).toBe(200);
    await expectProblem(await api('/v1/me', { token: phone.accessToken }), 401, 'SESSION_ENDED');
    await expectProblem(await api('/v1/me', { token: user.token }), 401, 'SESSION_ENDED');
    const refreshPhone = await api('/v1/auth/refresh', {
      method: 'POST',
      ip: randomIp(),
      json: { refreshToken: phone.refreshToken },
    });
    await expectProblem(refreshPhone, 401, 'INVALID_REFRESH_TOKEN');
    const refreshLaptop = await api('/v1/auth/refresh', {
      method: 'POST',
      ip: randomIp(),
      json: { refreshToken: laptop.refreshToken },
    });
    expect(refreshLaptop.status).toBe(200);
    await expectProblem(await signIn(user.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');
    expect((await signIn(user.email, newPassword)).status).toBe(200);
    const events = await testDb()
      .select({ type: analyticsEvents.type })
      .from(analyticsEvents)
      .where(eq(analyticsEvents.userId, user.id));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['password_changed', 'session_ended']));
  });

  it('POST /v1/me/password with a wrong current password is a 422 and counts towards the lockout', async () => {
    const user = await createTestUser();
    const problem = await expectProblem(
      await changePassword(user.token, { currentPassword: 'wrong wrong wrong', newPassword: strongPassword() }),
      422,
      'INVALID_CURRENT_PASSWORD',
    );
    expect(problem.errors?.[0]?.path).toBe('currentPassword');
    const [row] = await testDb().select({ n: users.failedLoginCount }).from(users).where(eq(users.id, user.id));
    expect(row?.n).toBe(1);
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('POST /v1/me/password applies the password policy to the new password', async () => {
    const user = await createTestUser();
    for (const newPassword of ['short', 'Password1234', 'y'.repeat(65), `${'€'.repeat(24)}x`]) {
      const problem = await expectProblem(
        await changePassword(user.token, { currentPassword: TEST_PASSWORD, newPassword }),
        422,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.some((e) => e.path === 'newPassword')).toBe(true);
    }
    await expectProblem(
      await changePassword(user.token, { currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD }),
      422,
      'PASSWORD_UNCHANGED',
    );
    await expectProblem(
      await changePassword(user.token, {
        currentPassword: TEST_PASSWORD,
        newPassword: strongPassword(),
        role: 'admin',
      }),
      422,
      'VALIDATION_FAILED',
    );
  });
});

describe('GET and DELETE /v1/me/sessions', () => {
  it('GET /v1/me/sessions lists the caller’s live sessions with the current one marked', async () => {
    const user = await createTestUser();
    const a = await signInTokens(user.email, TEST_PASSWORD, 'tablet');
    await signInTokens(user.email, TEST_PASSWORD, 'desktop');
    const other = await createTestUser();
    const res = await api('/v1/me/sessions', { token: a.accessToken });
    expect(res.status).toBe(200);
    const { data } = await json<{ data: SessionJson[] }>(res);
    expect(data.length).toBe(3); // the fixture session, tablet, desktop
    expect(data.filter((s) => s.current)).toHaveLength(1);
    expect(data.find((s) => s.current)?.deviceName).toBe('tablet');
    expect(data.map((s) => s.id)).not.toContain(other.sessionId);
    for (const s of data) {
      expect(Object.keys(s).sort()).toEqual(
        ['createdAt', 'current', 'deviceName', 'expiresAt', 'id', 'ipAddress', 'lastUsedAt', 'userAgent'].sort(),
      );
      if (s.ipAddress) expect(s.ipAddress).toMatch(/\/(24|48)$/);
    }
  });

  it('DELETE /v1/me/sessions/:id ends one of the caller’s sessions; its tokens stop working', async () => {
    const user = await createTestUser();
    const phone = await signInTokens(user.email, TEST_PASSWORD, 'phone');
    const laptop = await signInTokens(user.email, TEST_PASSWORD, 'laptop');
    const list = await json<{ data: SessionJson[] }>(await api('/v1/me/sessions', { token: laptop.accessToken }));
    const phoneSession = list.data.find((s) => s.deviceName === 'phone') as SessionJson;
    const res = await api(`/v1/me/sessions/${phoneSession.id}`, { method: 'DELETE', token: laptop.accessToken });
    expect(res.status).toBe(204);
    await expectProblem(await api('/v1/me', { token: phone.accessToken }), 401, 'SESSION_ENDED');
    expect((await api('/v1/me', { token: laptop.accessToken })).status).toBe(200);
    await expectProblem(
      await api(`/v1/me/sessions/${phoneSession.id}`, { method: 'DELETE', token: laptop.accessToken }),
      404,
      'SESSION_NOT_FOUND',
    );
  });

  it('DELETE /v1/me/sessions/:id is a 404 for another user’s session, which stays alive', async () => {
    const victim = await createTestUser();
    const attacker = await createTestUser();
    await expectProblem(
      await api(`/v1/me/sessions/${victim.sessionId}`, { method: 'DELETE', token: attacker.token }),
      404,
      'SESSION_NOT_FOUND',
    );
    expect((await api('/v1/me', { token: victim.token })).status).toBe(200);
    const live = await testDb()
      .select()
      .from(sessions)
      .where(and(eq(sessions.id, victim.sessionId), isNull(sessions.revokedAt)));
    expect(live).toHaveLength(1);
  });

  it('DELETE /v1/me/sessions/:id of the current session signs the caller out', async () => {
    const user = await createTestUser();
    const res = await api(`/v1/me/sessions/${user.sessionId}`, { method: 'DELETE', token: user.token });
    expect(res.status).toBe(204);
    await expectProblem(await api('/v1/me', { token: user.token }), 401, 'SESSION_ENDED');
  });

  it('DELETE /v1/me/sessions/:id with a malformed id is a 422, not a 500', async () => {
    const user = await createTestUser();
    await expectProblem(await api('/v1/me/sessions/not-a-uuid', { method: 'DELETE', token: user.token }), 422);
  });
});
