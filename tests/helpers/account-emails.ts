import { sql } from 'drizzle-orm';
import { createApp } from '../../src/app';
import { callApp } from './app-call';
import { testDb } from './db';
import { eventually, sinkRequests } from './email-sink';
import { randomIp } from './users';

const app = createApp();

/**
 * POST /v1/auth/password-reset through an app instance whose background work (the lookup, the
 * token and the email, all after the response) the caller can wait for.
 */
export async function requestReset(email: string, ip = randomIp()) {
  const { response, background } = await callApp(app, '/v1/auth/password-reset', {
    method: 'POST',
    ip,
    json: { email },
  });
  await background;
  return { response, text: await response.text() };
}

/** The `token` of the links in every email sent to `to` whose link opens `page`, oldest first. */
export async function tokensSentTo(to: string, page: '/reset-password' | '/verify-email'): Promise<string[]> {
  const pattern = new RegExp(`${page}\\?token=([A-Za-z0-9_-]+)`);
  const requests = (await sinkRequests(to)).filter((r) => !r.failed);
  return requests
    .sort((a, b) => a.seq - b.seq)
    .map((r) => pattern.exec(r.body?.text ?? '')?.[1])
    .filter((token): token is string => token !== undefined);
}

/** Waits for the `count`-th such email to arrive and returns the tokens, oldest first. */
export function awaitTokens(to: string, page: '/reset-password' | '/verify-email', count = 1): Promise<string[]> {
  return eventually(async () => {
    const tokens = await tokensSentTo(to, page);
    return tokens.length >= count ? tokens : undefined;
  });
}

/** The account's token rows of one purpose, oldest first. */
export async function accountTokenRows(userId: string, purpose: 'password_reset' | 'email_verification') {
  const { rows } = await testDb().execute<{ id: string; token_hash: string; used_at: string | null; email: string }>(
    sql`select id, token_hash, used_at, email from account_tokens
      where user_id = ${userId}::uuid and purpose = ${purpose}::account_token_purpose order by created_at, id`,
  );
  return rows;
}
