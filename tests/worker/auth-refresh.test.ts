import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { analyticsEvents, refreshTokens, sessions, users } from '../../src/db/schema';
import { TEST_CLOCK_HEADER } from '../../src/lib/clock';
import { hashRefreshToken } from '../../src/services/auth/refresh-token';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestUser, randomIp, signInTokens, type TokensBody } from '../helpers/users';

const later = (ms: number) => ({ [TEST_CLOCK_HEADER]: String(ms) });

function refresh(refreshToken: unknown, headers?: Record<string, string>) {
  return api('/v1/auth/refresh', { method: 'POST', ip: randomIp(), json: { refreshToken }, headers });
}

function logout(refreshToken: unknown) {
  return api('/v1/auth/logout', { method: 'POST', ip: randomIp(), json: { refreshToken } });
}

async function liveSessions(userId: string) {
  return testDb()
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** A user whose only live session is the one opened by signing in through the API. */
async function freshSignIn() {
  const user = await createTestUser();
  await testDb().update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, user.sessionId));
  const tokens = await signInTokens(user.email);
  return { user, tokens };
}

describe('POST /v1/auth/refresh', () => {
  it('POST /v1/auth/refresh rotates: a new pair every time, only the hash stored, same session and expiry', async () => {
    const { user, tokens } = await freshSignIn();
    const res = await refresh(tokens.refreshToken);
    expect(res.status).toBe(200);
    const next = await json<TokensBody>(res);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    expect(next.user.id).toBe(user.id);
    expect((await api('/v1/me', { token: next.accessToken })).status).toBe(200);

    const db = testDb();
    const rows = await db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id));
    expect(rows).toHaveLength(2);
    const oldRow = rows.find((r) => r.tokenHash === undefined || r.usedAt !== null);
    const newRow = rows.find((r) => r.usedAt === null);
    expect(oldRow?.replacedBy).toBe(newRow?.id);
    expect(newRow?.tokenHash).toBe(await hashRefreshToken(next.refreshToken));
    expect(JSON.stringify(rows)).not.toContain(next.refreshToken);
    const [session] = await db
      .select()
      .from(sessions)
      .where(eq(sessions.id, newRow?.sessionId as string));
    expect(newRow?.expiresAt.getTime()).toBe(session?.expiresAt.getTime());
    expect(await liveSessions(user.id)).toHaveLength(1);

    expect((await refresh(next.refreshToken)).status).toBe(200);
  });

  it('POST /v1/auth/refresh inside the grace window gives a second caller a valid pair in the same session', async () => {
    const { user, tokens } = await freshSignIn();
    const first = await json<TokensBody>(await refresh(tokens.refreshToken));
    const secondRes = await refresh(tokens.refreshToken, later(5_000));
    expect(secondRes.status).toBe(200);
    const second = await json<TokensBody>(secondRes);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await api('/v1/me', { token: first.accessToken })).status).toBe(200);
    expect((await api('/v1/me', { token: second.accessToken })).status).toBe(200);
    expect(await liveSessions(user.id)).toHaveLength(1);
    expect((await refresh(second.refreshToken)).status).toBe(200);
  });

  it('POST /v1/auth/refresh with a used token after the window ends the session and its access token at once', async () => {
    const { user, tokens } = await freshSignIn();
    const next = await json<TokensBody>(await refresh(tokens.refreshToken));
    expect((await api('/v1/me', { token: next.accessToken })).status).toBe(200);

    await expectProblem(await refresh(tokens.refreshToken, later(11_000)), 401, 'INVALID_REFRESH_TOKEN');

    await expectProblem(await api('/v1/me', { token: next.accessToken }), 401, 'SESSION_ENDED');
    await expectProblem(await api('/v1/me', { token: tokens.accessToken }), 401, 'SESSION_ENDED');
    await expectProblem(await refresh(next.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    expect(await liveSessions(user.id)).toHaveLength(0);
    const ended = await testDb()
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, user.id), eq(sessions.revokedReason, 'refresh_token_reuse')));
    expect(ended).toHaveLength(1);
    const events = await testDb()
      .select()
      .from(analyticsEvents)
      .where(and(eq(analyticsEvents.userId, user.id), eq(analyticsEvents.type, 'refresh_reuse_detected')));
    expect(events).toHaveLength(1);
  });

  it('POST /v1/auth/refresh 10 times in parallel with one token leaves exactly one live session, signed in', async () => {
    const { user, tokens } = await freshSignIn();
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(tokens.refreshToken)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const bodies = await Promise.all(responses.map((r) => json<TokensBody>(r)));
    expect(new Set(bodies.map((b) => b.refreshToken)).size).toBe(10);
    expect(await liveSessions(user.id)).toHaveLength(1);
    const rotated = await testDb()
      .select()
      .from(refreshTokens)
      .where(and(eq(refreshTokens.tokenHash, await hashRefreshToken(tokens.refreshToken))));
    expect(rotated[0]?.usedAt).not.toBeNull();
    for (const b of bodies) expect((await api('/v1/me', { token: b.accessToken })).status).toBe(200);
    expect((await refresh(bodies[3]?.refreshToken)).status).toBe(200);
  });

  it('POST /v1/auth/refresh refuses unknown, malformed and missing tokens', async () => {
    await expectProblem(await refresh(`rt_${'A'.repeat(43)}`), 401, 'INVALID_REFRESH_TOKEN');
    await expectProblem(await refresh('garbage'), 401, 'INVALID_REFRESH_TOKEN');
    await expectProblem(
      await api('/v1/auth/refresh', { method: 'POST', ip: randomIp(), json: {} }),
      422,
      'VALIDATION_FAILED',
    );
    await expectProblem(
      await api('/v1/auth/refresh', { method: 'POST', ip: randomIp(), json: { refreshToken: 'x', extra: 1 } }),
      422,
      'VALIDATION_FAILED',
    );
  });

  it('POST /v1/auth/refresh stops at the absolute session lifetime (30 days), rotation never extends it', async () => {
    const { tokens } = await freshSignIn();
    const day = 24 * 3600_000;
    const res = await refresh(tokens.refreshToken, later(29 * day));
    expect(res.status).toBe(200);
    const next = await json<TokensBody>(res);
    await expectProblem(await refresh(next.refreshToken, later(30 * day + 60_000)), 401, 'INVALID_REFRESH_TOKEN');
    await expectProblem(
      await api('/v1/me', { token: next.accessToken, headers: later(30 * day + 60_000) }),
      401,
      'SESSION_ENDED',
    );
  });

  it('POST /v1/auth/refresh is refused for a disabled account', async () => {
    const { user, tokens } = await freshSignIn();
    await testDb().update(users).set({ isActive: false }).where(eq(users.id, user.id));
    await expectProblem(await refresh(tokens.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    await expectProblem(await api('/v1/me', { token: tokens.accessToken }), 401, 'SESSION_ENDED');
  });
});

describe('POST /v1/auth/logout', () => {
  it('POST /v1/auth/logout ends the session: its access and refresh tokens stop working at once', async () => {
    const { user, tokens } = await freshSignIn();
    const res = await logout(tokens.refreshToken);
    expect(res.status).toBe(204);
    await expectProblem(await api('/v1/me', { token: tokens.accessToken }), 401, 'SESSION_ENDED');
    await expectProblem(await refresh(tokens.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    const [session] = await testDb()
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, user.id), eq(sessions.revokedReason, 'logout')));
    expect(session).toBeDefined();
  });

  it('POST /v1/auth/logout is idempotent and answers 204 for unknown tokens too', async () => {
    const { tokens } = await freshSignIn();
    expect((await logout(tokens.refreshToken)).status).toBe(204);
    expect((await logout(tokens.refreshToken)).status).toBe(204);
    expect((await logout(`rt_${'B'.repeat(43)}`)).status).toBe(204);
    expect((await logout('not-a-token')).status).toBe(204);
    await expectProblem(await api('/v1/auth/logout', { method: 'POST', ip: randomIp(), json: {} }), 422);
  });

  it('POST /v1/auth/logout of one device leaves the other sessions of the user alive', async () => {
    const user = await createTestUser();
    const phone = await signInTokens(user.email, undefined, 'phone');
    const laptop = await signInTokens(user.email, undefined, 'laptop');
    expect((await logout(phone.refreshToken)).status).toBe(204);
    expect((await api('/v1/me', { token: laptop.accessToken })).status).toBe(200);
    expect((await refresh(laptop.refreshToken)).status).toBe(200);
  });
});
