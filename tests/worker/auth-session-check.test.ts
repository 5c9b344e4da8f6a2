import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sessions, users } from '../../src/db/schema';
import { signAccessToken } from '../../src/services/auth/access-token';
import { api, expectProblem, json } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser } from '../helpers/users';

// Reads run their handler while the session check is in flight (see src/middleware/auth.ts);
// these tests pin that the check still decides every answer, and what each path costs.

function roundTrips(res: Response): number {
  const match = /db;dur=[\d.]+;desc="(\d+) database round trips"/.exec(res.headers.get('Server-Timing') ?? '');
  expect(match).not.toBeNull();
  return Number(match?.[1]);
}

const revoke = (sessionId: string) =>
  testDb().update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId));

describe('the session check on reads', () => {
  it('GET /v1/me answers from the session lookup alone: one round trip, the profile as the database has it now', async () => {
    const user = await createTestUser({ name: 'Before' });
    await testDb().update(users).set({ name: 'Renamed elsewhere' }).where(eq(users.id, user.id));
    const res = await api('/v1/me', { token: user.token });
    expect(res.status).toBe(200);
    expect(roundTrips(res)).toBe(1);
    expect(await json(res)).toMatchObject({ id: user.id, name: 'Renamed elsewhere', role: 'user' });
  });

  it('an admin read makes its own query and the session check, and answers 200 when both pass', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const res = await api('/v1/admin/inquiries?limit=1', { token: admin.token });
    expect(res.status).toBe(200);
    expect(roundTrips(res)).toBe(2);
  });

  it('an ended session gets 401, not the data the handler already read', async () => {
    const admin = await createTestUser({ role: 'admin' });
    await revoke(admin.sessionId);
    const res = await api('/v1/admin/dashboard?days=7', { token: admin.token });
    const problem = await expectProblem(res, 401, 'SESSION_ENDED');
    expect(JSON.stringify(problem)).not.toMatch(/inquiries|views|totals/i);
  });

  it("an ended session cannot learn whether an object exists: 401 replaces the handler's 404", async () => {
    const admin = await createTestUser({ role: 'admin' });
    await revoke(admin.sessionId);
    const res = await api('/v1/admin/properties/0190f5a0-0000-7000-8000-000000000000', { token: admin.token });
    await expectProblem(res, 401, 'SESSION_ENDED');
  });

  it('GET /v1/admin/properties/:id refused after logout carries no header of the handler: no ETag whether or not the listing exists', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const ok = await api(`/v1/admin/properties/${listing.id}`, { token: admin.token });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('ETag')).toBeTruthy();
    await revoke(admin.sessionId);
    const existing = await api(`/v1/admin/properties/${listing.id}`, { token: admin.token });
    const missing = await api('/v1/admin/properties/0190f5a0-0000-7000-8000-000000000000', { token: admin.token });
    // A write is refused before its handler runs: its headers are what a refusal may carry.
    const write = await api('/v1/admin/properties', { method: 'POST', token: admin.token, json: {} });
    const names = (res: Response) => [...res.headers.keys()].sort();
    expect(existing.headers.get('ETag')).toBeNull();
    expect(names(existing)).toEqual(names(missing));
    expect(names(existing)).toEqual(names(write));
    await expectProblem(existing, 401, 'SESSION_ENDED');
    await expectProblem(missing, 401, 'SESSION_ENDED');
    await expectProblem(write, 401, 'SESSION_ENDED');
  });

  it('GET /v1/admin/properties/:id refused for a demoted admin carries no ETag: a 403 keeps no handler header either', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    await testDb().update(users).set({ role: 'user' }).where(eq(users.id, admin.id));
    const res = await api(`/v1/admin/properties/${listing.id}`, { token: admin.token });
    expect(res.headers.get('ETag')).toBeNull();
    await expectProblem(res, 403, 'FORBIDDEN');
  });

  it('a disabled account gets 401 on a read even though its token still claims admin', async () => {
    const admin = await createTestUser({ role: 'admin' });
    await testDb().update(users).set({ isActive: false }).where(eq(users.id, admin.id));
    await expectProblem(await api('/v1/admin/users', { token: admin.token }), 401, 'SESSION_ENDED');
  });

  it('a demotion applies to the very next read: 403 although the token says admin', async () => {
    const admin = await createTestUser({ role: 'admin' });
    await testDb().update(users).set({ role: 'user' }).where(eq(users.id, admin.id));
    await expectProblem(await api('/v1/admin/inquiries', { token: admin.token }), 403, 'FORBIDDEN');
  });

  it('a promotion applies too: a token that claims user is checked first, then allowed', async () => {
    const user = await createTestUser({ role: 'user' });
    await testDb().update(users).set({ role: 'admin' }).where(eq(users.id, user.id));
    const res = await api('/v1/admin/dashboard?days=7', { token: user.token });
    expect(res.status).toBe(200);
  });

  it('a user who must change the password gets 403 on an admin read, not the data', async () => {
    const admin = await createTestUser({ role: 'admin', mustChangePassword: true });
    await expectProblem(
      await api('/v1/admin/dashboard?days=7', { token: admin.token }),
      403,
      'PASSWORD_CHANGE_REQUIRED',
    );
  });

  it('a session of another user cannot be paired with a token forged from ids: the check joins both', async () => {
    const victim = await createTestUser({ role: 'admin' });
    const attacker = await createTestUser({ role: 'user' });
    // A correctly signed token naming the attacker with the victim's session (as a key leak would allow).
    const token = await signAccessToken(testConfig(), {
      userId: attacker.id,
      sessionId: victim.sessionId,
      role: 'admin',
    });
    await expectProblem(await api('/v1/admin/dashboard?days=7', { token }), 401, 'SESSION_ENDED');
  });
});

describe('the session check on writes', () => {
  it('a write with an ended session changes nothing: it waits for the check before running', async () => {
    const user = await createTestUser({ name: 'Unchanged' });
    await revoke(user.sessionId);
    const res = await api('/v1/me', { method: 'PATCH', token: user.token, json: { name: 'Hijacked' } });
    await expectProblem(res, 401, 'SESSION_ENDED');
    const [row] = await testDb().select({ name: users.name }).from(users).where(eq(users.id, user.id));
    expect(row?.name).toBe('Unchanged');
  });

  it('a write by a demoted admin is refused before it runs', async () => {
    const admin = await createTestUser({ role: 'admin' });
    await testDb().update(users).set({ role: 'user' }).where(eq(users.id, admin.id));
    const res = await api('/v1/admin/properties', {
      method: 'POST',
      token: admin.token,
      json: { title: 'Should not exist' },
    });
    await expectProblem(res, 403, 'FORBIDDEN');
  });
});
