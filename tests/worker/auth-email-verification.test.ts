import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { TEST_CLOCK_HEADER } from '../../src/lib/clock';
import { sha256Hex } from '../../src/lib/encoding';
import { accountTokenRows, awaitTokens, requestReset, tokensSentTo } from '../helpers/account-emails';
import { api, expectProblem, json } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { createTestUser, randomIp, signInTokens, strongPassword, type TokensBody, uniqueEmail } from '../helpers/users';

type Me = { emailVerified: boolean; email: string };

const verify = (token: unknown, headers?: Record<string, string>) =>
  api('/v1/auth/verify-email', { method: 'POST', ip: randomIp(), json: { token }, headers });

const askForEmail = (accessToken: string) =>
  api('/v1/me/email-verification', { method: 'POST', ip: randomIp(), token: accessToken });

async function register(email = uniqueEmail('verify')): Promise<TokensBody & { email: string; password: string }> {
  const password = strongPassword();
  const res = await api('/v1/auth/register', {
    method: 'POST',
    ip: randomIp(),
    json: { email, password, name: 'Vera Verify' },
  });
  expect(res.status).toBe(201);
  return { ...(await json<TokensBody>(res)), email, password };
}

async function me(accessToken: string): Promise<Me> {
  const res = await api('/v1/me', { token: accessToken });
  expect(res.status).toBe(200);
  return json<Me>(res);
}

/** Moves the account's verification emails back in time, as if sent `seconds` ago. */
async function backdate(userId: string, seconds: number) {
  await testDb().execute(sql`
    update account_tokens set created_at = created_at - ${String(seconds)}::float8 * interval '1 second'
    where user_id = ${userId}::uuid and purpose = 'email_verification'`);
}

describe('email verification', () => {
  it('registration sends the first verification email; the token verifies; GET /v1/me then says emailVerified', async () => {
    const account = await register();
    expect(account.user.emailVerified).toBe(false);
    const [token] = await awaitTokens(account.email, '/verify-email');
    const [sent] = await sinkRequests(account.email);
    expect(sent?.body?.subject).toBe('Confirm your email address');
    expect(sent?.body?.text).toContain(`${testConfig().APP_URL}/verify-email?token=${token}`);
    // Nothing the registrant typed is in it: the address is not theirs until verified.
    expect(`${sent?.body?.text}${sent?.body?.html}`).not.toContain('Vera');

    const [row] = await accountTokenRows(account.user.id, 'email_verification');
    expect(row?.token_hash).toBe(await sha256Hex(token as string));
    const { rows: hours } = await testDb().execute<{ h: number }>(
      sql`select round(extract(epoch from expires_at - created_at) / 3600)::int as h from account_tokens where id = ${row?.id}::uuid`,
    );
    expect(Number(hours[0]?.h)).toBe(24);

    expect((await verify(token)).status).toBe(204);
    expect((await me(account.accessToken)).emailVerified).toBe(true);
    // The flag is on every serialisation of the user: token responses too.
    expect((await signInTokens(account.email, account.password)).user.emailVerified).toBe(true);

    // The sent email's row no longer holds the token.
    const payload = await eventually(async () => {
      const { rows } = await testDb().execute<{ status: string; payload: unknown }>(
        sql`select status, payload from notification_queue where recipient = ${account.email} and kind = 'email_verification'`,
      );
      return rows[0]?.status === 'sent' ? rows[0].payload : undefined;
    });
    expect(JSON.stringify(payload)).not.toContain(token as string);
  });

  it('refuses a replayed token with 400 INVALID_VERIFICATION_TOKEN', async () => {
    const account = await register();
    const [token] = await awaitTokens(account.email, '/verify-email');
    expect((await verify(token)).status).toBe(204);
    await expectProblem(await verify(token), 400, 'INVALID_VERIFICATION_TOKEN');
  });

  it('refuses forged, expired and other-kind tokens, and tokens for an address the account no longer has', async () => {
    for (const forged of ['B'.repeat(43), 'nope', 'c'.repeat(200)]) {
      await expectProblem(await verify(forged), 400, 'INVALID_VERIFICATION_TOKEN');
    }

    const expired = await register();
    const [expiredToken] = await awaitTokens(expired.email, '/verify-email');
    await expectProblem(
      await verify(expiredToken, { [TEST_CLOCK_HEADER]: String(25 * 3600_000) }),
      400,
      'INVALID_VERIFICATION_TOKEN',
    );
    await testDb().execute(
      sql`update account_tokens set expires_at = now() - interval '1 second'
        where token_hash = ${await sha256Hex(expiredToken as string)}`,
    );
    await expectProblem(await verify(expiredToken), 400, 'INVALID_VERIFICATION_TOKEN');
    expect((await me(expired.accessToken)).emailVerified).toBe(false);

    // A password reset token is not a verification token.
    const user = await createTestUser();
    await requestReset(user.email);
    const [resetToken] = await awaitTokens(user.email, '/reset-password');
    await expectProblem(await verify(resetToken), 400, 'INVALID_VERIFICATION_TOKEN');

    const moved = await register();
    const [movedToken] = await awaitTokens(moved.email, '/verify-email');
    await testDb().execute(sql`update users set email = ${uniqueEmail('moved')} where id = ${moved.user.id}::uuid`);
    await expectProblem(await verify(movedToken), 400, 'INVALID_VERIFICATION_TOKEN');
    expect((await me(moved.accessToken)).emailVerified).toBe(false);
  });

  it('lets exactly one of two concurrent verifications of one token succeed', async () => {
    const account = await register();
    const [token] = await awaitTokens(account.email, '/verify-email');
    const statuses = (await Promise.all([verify(token), verify(token)])).map((r) => r.status).sort();
    expect(statuses).toEqual([204, 400]);
  });

  it('refuses a body that is not {token} with 422', async () => {
    for (const body of [{}, { token: '' }, { token: 'x'.repeat(201) }, { token: 'x', more: 1 }]) {
      await expectProblem(
        await api('/v1/auth/verify-email', { method: 'POST', ip: randomIp(), json: body }),
        422,
        'VALIDATION_FAILED',
      );
    }
  });
});

describe('POST /v1/me/email-verification', () => {
  it('sends a new link at most once a minute (429 with Retry-After), and the new link verifies', async () => {
    const account = await register();
    await awaitTokens(account.email, '/verify-email');
    // Within a minute of the registration's email.
    const early = await askForEmail(account.accessToken);
    await expectProblem(early, 429, 'RATE_LIMITED');
    const wait = Number(early.headers.get('Retry-After'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);

    await backdate(account.user.id, 61);
    const res = await askForEmail(account.accessToken);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ status: 'accepted' });
    const tokens = await awaitTokens(account.email, '/verify-email', 2);
    expect((await verify(tokens[1])).status).toBe(204);
    expect((await me(account.accessToken)).emailVerified).toBe(true);
    // Verified: the earlier link is spent too.
    await expectProblem(await verify(tokens[0]), 400, 'INVALID_VERIFICATION_TOKEN');
  });

  it('allows at most 5 a day, registration included: the sixth is a 429 until the oldest is a day old', async () => {
    const account = await register();
    await awaitTokens(account.email, '/verify-email');
    for (let i = 0; i < 4; i++) {
      await backdate(account.user.id, 120);
      expect((await askForEmail(account.accessToken)).status).toBe(202);
    }
    expect(await accountTokenRows(account.user.id, 'email_verification')).toHaveLength(5);
    await backdate(account.user.id, 120);
    const refused = await askForEmail(account.accessToken);
    await expectProblem(refused, 429, 'RATE_LIMITED');
    // The registration's email is now 10 minutes old: a day less that is when room comes back.
    const wait = Number(refused.headers.get('Retry-After'));
    expect(wait).toBeGreaterThan(86_400 - 11 * 60);
    expect(wait).toBeLessThanOrEqual(86_400 - 10 * 60 + 1);
    expect(await accountTokenRows(account.user.id, 'email_verification')).toHaveLength(5);
  });

  it('answers 202 and sends nothing for an address already verified', async () => {
    const account = await register();
    const [token] = await awaitTokens(account.email, '/verify-email');
    expect((await verify(token)).status).toBe(204);
    await backdate(account.user.id, 3600);
    expect((await askForEmail(account.accessToken)).status).toBe(202);
    expect(await accountTokenRows(account.user.id, 'email_verification')).toHaveLength(1);
    expect(await tokensSentTo(account.email, '/verify-email')).toHaveLength(1);
  });

  it('needs a signed-in user: 401 without a token', async () => {
    await expectProblem(await api('/v1/me/email-verification', { method: 'POST', ip: randomIp() }), 401);
  });
});
