import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { TEST_CLOCK_HEADER } from '../../src/lib/clock';
import { sha256Hex } from '../../src/lib/encoding';
import type { Logger } from '../../src/lib/logger';
import { createEmailTransport } from '../../src/services/email/create-transport';
import { drainNotifications, drainSettings } from '../../src/services/notifications/drain';
import { notificationsInsert } from '../../src/services/notifications/enqueue';
import { accountTokenRows, awaitTokens, requestReset, tokensSentTo } from '../helpers/account-emails';
import { api, expectProblem, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testConfig, testDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import {
  createTestUser,
  randomIp,
  signIn,
  signInTokens,
  strongPassword,
  TEST_PASSWORD,
  uniqueEmail,
} from '../helpers/users';

const confirm = (token: string, newPassword: string, headers?: Record<string, string>) =>
  api('/v1/auth/password-reset/confirm', { method: 'POST', ip: randomIp(), json: { token, newPassword }, headers });

/** Asks for a reset for the user's address and returns the token of the newest email. */
async function resetToken(email: string): Promise<string> {
  const before = (await tokensSentTo(email, '/reset-password')).length;
  expect((await requestReset(email)).response.status).toBe(202);
  const tokens = await awaitTokens(email, '/reset-password', before + 1);
  return tokens.at(-1) as string;
}

async function userRow(id: string) {
  const { rows } = await testDb().execute<{
    locked_at: string | null;
    failed_login_count: number;
    must_change_password: boolean;
  }>(sql`select locked_at, failed_login_count, must_change_password from users where id = ${id}::uuid`);
  return rows[0];
}

describe('POST /v1/auth/password-reset', () => {
  it('answers 202 with one body for an existing, unknown, locked and disabled address; only active accounts get an email', async () => {
    const active = await createTestUser();
    const locked = await createTestUser();
    const disabled = await createTestUser({ isActive: false });
    await testDb().execute(
      sql`update users set locked_at = now(), failed_login_count = 100 where id = ${locked.id}::uuid`,
    );
    const unknown = uniqueEmail('nobody');

    const answers = await Promise.all(
      [active.email, unknown, locked.email, disabled.email].map((e) => requestReset(e)),
    );
    for (const { response, text } of answers) {
      expect(response.status).toBe(202);
      expect(response.headers.get('Content-Type')).toBe(answers[0]?.response.headers.get('Content-Type'));
      expect(response.headers.get('Cache-Control')).toBe('no-store');
      expect(text).toBe(answers[0]?.text);
    }
    expect(JSON.parse(answers[0]?.text ?? '{}')).toEqual({ status: 'accepted' });

    await awaitTokens(active.email, '/reset-password');
    await awaitTokens(locked.email, '/reset-password');
    // The background work is over (requestReset waited for it): the disabled account got nothing.
    expect(await accountTokenRows(disabled.id, 'password_reset')).toHaveLength(0);
    expect(await sinkRequests(disabled.email)).toHaveLength(0);
    expect(await sinkRequests(unknown)).toHaveLength(0);
  });

  it('sends a link to APP_URL/reset-password carrying the token; the database keeps only its hash, and drops it from the sent email', async () => {
    const user = await createTestUser();
    const token = await resetToken(user.email);
    const [sent] = await sinkRequests(user.email);
    expect(sent?.body?.subject).toBe('Reset your password');
    expect(sent?.body?.text).toContain(`${testConfig().APP_URL}/reset-password?token=${token}`);
    expect(sent?.body?.html).toContain(`/reset-password?token=${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const [row] = await accountTokenRows(user.id, 'password_reset');
    expect(row?.token_hash).toBe(await sha256Hex(token));
    expect(row?.email).toBe(user.email);
    const { rows: expiry } = await testDb().execute<{ minutes: number }>(
      sql`select round(extract(epoch from expires_at - created_at) / 60)::int as minutes from account_tokens where id = ${row?.id}::uuid`,
    );
    expect(Number(expiry[0]?.minutes)).toBe(30);

    const payload = await eventually(async () => {
      const { rows } = await testDb().execute<{ status: string; payload: Record<string, unknown> | string }>(
        sql`select status, payload from notification_queue where recipient = ${user.email} and kind = 'password_reset'`,
      );
      return rows[0]?.status === 'sent' ? rows[0].payload : undefined;
    });
    const stored = typeof payload === 'string' ? payload : JSON.stringify(payload);
    expect(stored).not.toContain(token);
    expect(JSON.parse(stored)).not.toHaveProperty('token');
  });

  it('stops sending past PASSWORD_RESET_MAX_PER_HOUR (3) for one address, still answering 202', async () => {
    const user = await createTestUser();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await requestReset(user.email));
    expect(answers.map((a) => a.response.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(await accountTokenRows(user.id, 'password_reset')).toHaveLength(3);
    await awaitTokens(user.email, '/reset-password', 3);
    expect(await tokensSentTo(user.email, '/reset-password')).toHaveLength(3);
  });

  it('counts concurrent requests for one address against one budget', async () => {
    const user = await createTestUser();
    const answers = await Promise.all(Array.from({ length: 6 }, () => requestReset(user.email)));
    expect(answers.every((a) => a.response.status === 202)).toBe(true);
    expect(await accountTokenRows(user.id, 'password_reset')).toHaveLength(3);
  });

  it('is rate limited per client: 429 with Retry-After past the auth budget', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 25; i++) {
      const res = await api('/v1/auth/password-reset', { method: 'POST', ip, json: { email: uniqueEmail('flood') } });
      if (res.status === 429) retryAfter = res.headers.get('Retry-After');
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429).length, statuses.join(',')).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(20);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('refuses a body that is not {email} with 422 and sends nothing', async () => {
    for (const body of [{}, { email: 'not-an-address' }, { email: uniqueEmail(), extra: 1 }]) {
      await expectProblem(
        await api('/v1/auth/password-reset', { method: 'POST', ip: randomIp(), json: body }),
        422,
        'VALIDATION_FAILED',
      );
    }
  });
});

describe('POST /v1/auth/password-reset/confirm', () => {
  it('sets the password, ends every session (refresh and access tokens stop working) and writes an audit entry', async () => {
    const user = await createTestUser();
    const session = await signInTokens(user.email);
    const token = await resetToken(user.email);
    const password = strongPassword();

    expect((await confirm(token, password)).status).toBe(204);

    await expectProblem(
      await api('/v1/auth/refresh', { method: 'POST', ip: randomIp(), json: { refreshToken: session.refreshToken } }),
      401,
      'INVALID_REFRESH_TOKEN',
    );
    expect((await api('/v1/me', { token: session.accessToken })).status).toBe(401);
    expect((await api('/v1/me', { token: user.token })).status).toBe(401);
    await expectProblem(await signIn(user.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');
    const signedIn = await signIn(user.email, password);
    expect(signedIn.status).toBe(200);

    const { rows } = await testDb().execute<{ action: string; actor_id: string | null; after: unknown }>(
      sql`select action, actor_id, after from audit_log where target_id = ${user.id} and action = 'auth.password_reset'`,
    );
    expect(rows).toHaveLength(1);
    const after = typeof rows[0]?.after === 'string' ? JSON.parse(rows[0].after) : rows[0]?.after;
    expect(after).toMatchObject({ sessionsEnded: 2, wasLocked: false });
    expect(JSON.stringify(after)).not.toContain('$2');
  });

  it('lets a locked account back in: clears the lock, the failure count, client locks and mustChangePassword', async () => {
    const user = await createTestUser({ mustChangePassword: true });
    const db = testDb();
    await db.execute(sql`update users set locked_at = now(), failed_login_count = 100 where id = ${user.id}::uuid`);
    const client = randomIp();
    // This client is locked out by its own failures, too.
    for (let i = 0; i < 5; i++) await signIn(user.email, 'not the right password', { ip: client });
    await expectProblem(await signIn(user.email, TEST_PASSWORD, { ip: client }), 401, 'INVALID_CREDENTIALS');

    const token = await resetToken(user.email);
    const password = strongPassword();
    expect((await confirm(token, password)).status).toBe(204);

    expect(await userRow(user.id)).toMatchObject({ locked_at: null, must_change_password: false });
    expect(Number((await userRow(user.id))?.failed_login_count)).toBe(0);
    const res = await signIn(user.email, password, { ip: client });
    expect(res.status).toBe(200);
    expect((await json<{ user: { mustChangePassword: boolean } }>(res)).user.mustChangePassword).toBe(false);
  });

  it('refuses a used token (replay) with 400 INVALID_RESET_TOKEN', async () => {
    const user = await createTestUser();
    const token = await resetToken(user.email);
    expect((await confirm(token, strongPassword())).status).toBe(204);
    await expectProblem(await confirm(token, strongPassword()), 400, 'INVALID_RESET_TOKEN');
  });

  it('refuses an expired token: past expires_at, or 31 minutes later by the clock', async () => {
    const user = await createTestUser();
    const token = await resetToken(user.email);
    await expectProblem(
      await confirm(token, strongPassword(), { [TEST_CLOCK_HEADER]: String(31 * 60_000) }),
      400,
      'INVALID_RESET_TOKEN',
    );
    await testDb().execute(
      sql`update account_tokens set expires_at = now() - interval '1 second' where token_hash = ${await sha256Hex(token)}`,
    );
    await expectProblem(await confirm(token, strongPassword()), 400, 'INVALID_RESET_TOKEN');
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('refuses forged tokens, of the right shape or not, with 400, and a body with no token text with 422', async () => {
    const forged = ['A'.repeat(43), 'not-a-token', 'a'.repeat(200), `${'x'.repeat(42)}!`, 'tok en/+='];
    for (const token of forged) await expectProblem(await confirm(token, strongPassword()), 400, 'INVALID_RESET_TOKEN');
    for (const token of ['a'.repeat(201), '']) {
      await expectProblem(await confirm(token, strongPassword()), 422, 'VALIDATION_FAILED');
    }
  });

  it('refuses a token of the other kind (an email verification token)', async () => {
    const email = uniqueEmail('other-kind');
    const reg = await api('/v1/auth/register', {
      method: 'POST',
      ip: randomIp(),
      json: { email, password: strongPassword(), name: 'Other Kind' },
    });
    expect(reg.status).toBe(201);
    const [verification] = await awaitTokens(email, '/verify-email');
    await expectProblem(await confirm(verification as string, strongPassword()), 400, 'INVALID_RESET_TOKEN');
    // Nothing was consumed: it still verifies.
    expect(
      (await api('/v1/auth/verify-email', { method: 'POST', ip: randomIp(), json: { token: verification } })).status,
    ).toBe(204);
  });

  it('makes every earlier reset token invalid once one is used', async () => {
    const user = await createTestUser();
    const first = await resetToken(user.email);
    const second = await resetToken(user.email);
    expect(first).not.toBe(second);
    expect((await confirm(second, strongPassword())).status).toBe(204);
    await expectProblem(await confirm(first, strongPassword()), 400, 'INVALID_RESET_TOKEN');
    const rows = await accountTokenRows(user.id, 'password_reset');
    expect(rows.every((r) => r.used_at !== null)).toBe(true);
  });

  it('makes an outstanding reset token invalid once the owner changes the password signed in', async () => {
    const user = await createTestUser();
    const token = await resetToken(user.email);
    const { accessToken } = await signInTokens(user.email, TEST_PASSWORD);
    const changed = await api('/v1/me/password', {
      method: 'POST',
      token: accessToken,
      ip: randomIp(),
      json: { currentPassword: TEST_PASSWORD, newPassword: strongPassword() },
    });
    expect(changed.status).toBe(204);
    await expectProblem(await confirm(token, strongPassword()), 400, 'INVALID_RESET_TOKEN');
  });

  it('lets exactly one of two concurrent confirms of one token succeed', async () => {
    const user = await createTestUser();
    const token = await resetToken(user.email);
    const [a, b] = [strongPassword(), strongPassword()];
    const answers = await Promise.all([confirm(token, a), confirm(token, b)]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([204, 400]);
    const winner = answers[0]?.status === 204 ? a : b;
    const loser = winner === a ? b : a;
    expect((await signIn(user.email, winner)).status).toBe(200);
    expect((await signIn(user.email, loser)).status).toBe(401);
    const { rows } = await testDb().execute(
      sql`select 1 from audit_log where target_id = ${user.id} and action = 'auth.password_reset'`,
    );
    expect(rows).toHaveLength(1);
  });

  it('refuses a weak password with 422 and consumes nothing: the token still works after', async () => {
    const user = await createTestUser();
    const token = await resetToken(user.email);
    for (const weak of ['short', 'x'.repeat(65), 'é'.repeat(40)]) {
      await expectProblem(await confirm(token, weak), 422, 'VALIDATION_FAILED');
    }
    const [row] = await accountTokenRows(user.id, 'password_reset');
    expect(row?.used_at).toBeNull();
    expect((await confirm(token, strongPassword())).status).toBe(204);
  });

  it('refuses a token sent to an address the account no longer has, or of an account disabled since', async () => {
    const moved = await createTestUser();
    const movedToken = await resetToken(moved.email);
    await testDb().execute(sql`update users set email = ${uniqueEmail('moved')} where id = ${moved.id}::uuid`);
    await expectProblem(await confirm(movedToken, strongPassword()), 400, 'INVALID_RESET_TOKEN');

    const disabled = await createTestUser();
    const disabledToken = await resetToken(disabled.email);
    await testDb().execute(sql`update users set is_active = false where id = ${disabled.id}::uuid`);
    await expectProblem(await confirm(disabledToken, strongPassword()), 400, 'INVALID_RESET_TOKEN');
    const rows = await accountTokenRows(disabled.id, 'password_reset');
    expect(rows[0]?.used_at).toBeNull();
  });
});

describe('reset links never land in logs', () => {
  it('the log transport writes the email with its token redacted', async () => {
    const lines: string[] = [];
    const capture: Logger = {
      debug: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
      info: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
      warn: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
      error: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
    };
    const token = `LogTok_${'q'.repeat(36)}`;
    const recipient = uniqueEmail('logged');
    const db = testDb();
    await notificationsInsert(db, [
      {
        kind: 'password_reset',
        recipient,
        payload: { token, expiresInMinutes: 30 },
        idempotencyKey: `test:log-reset:${recipient}`,
      },
    ]);
    const { rows } = await db.execute<{ id: string }>(
      sql`select id from notification_queue where recipient = ${recipient}`,
    );
    const config = { ...testConfig(), EMAIL_TRANSPORT: 'log' as const, APP_URL: 'https://app.example.com' };
    const result = await drainNotifications({
      db,
      transport: createEmailTransport(config, capture),
      logger: capture,
      settings: drainSettings(config),
      ids: rows.map((r) => r.id),
    });
    expect(result.sent).toBe(1);
    expect(lines.join('\n')).toContain('https://app.example.com/reset-password?token=[redacted]');
    expect(lines.join('\n')).not.toContain(token);
    const { rows: after } = await db.execute<{ payload: unknown }>(
      sql`select payload from notification_queue where recipient = ${recipient}`,
    );
    expect(JSON.stringify(after[0]?.payload)).not.toContain(token);
  });

  it('the request log of a reset request and confirm (LOG_LEVEL=info) holds neither the token nor the address', async () => {
    const user = await createTestUser();
    const token = await resetToken(user.email);
    const app = createApp();
    const written: string[] = [];
    const spies = (['log', 'info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      }),
    );
    try {
      const vars = { LOG_LEVEL: 'info' };
      const requested = await callApp(app, '/v1/auth/password-reset', {
        method: 'POST',
        ip: randomIp(),
        json: { email: user.email },
        vars,
      });
      await requested.background;
      const confirmed = await callApp(app, '/v1/auth/password-reset/confirm', {
        method: 'POST',
        ip: randomIp(),
        json: { token, newPassword: strongPassword() },
        vars,
      });
      expect(confirmed.response.status).toBe(204);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(written.some((line) => line.includes('/v1/auth/password-reset'))).toBe(true);
    const all = written.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(user.email);
  });
});
