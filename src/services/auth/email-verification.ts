import { type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { ApiError, tooManyRequests } from '../../lib/errors';
import {
  accountTokenLock,
  consumeAccountToken,
  hashAccountToken,
  looksLikeAccountToken,
  type NewAccountToken,
  newAccountToken,
} from './account-tokens';
import type { AuthDeps } from './types';

/** How long a verification link works (API.md: 24 hours). */
export const VERIFICATION_TOKEN_HOURS = 24;

export const invalidVerificationToken = () =>
  new ApiError({
    code: 'INVALID_VERIFICATION_TOKEN',
    detail: 'This verification link is invalid or has expired. Ask for a new one.',
  });

export interface VerificationEmail {
  token: NewAccountToken;
  notificationId: string;
}

export async function newVerificationEmail(): Promise<VerificationEmail> {
  return { token: await newAccountToken(), notificationId: uuidv7() };
}

/**
 * CTEs `vt` (the token) and `vq` (its queued email, returning `id`) for the user row of
 * `fromCte` (columns id and email), so a verification email joins the statement that makes
 * the need for it: registration, or a request for a new one.
 */
export function verificationEmailCtes(fromCte: string, email: VerificationEmail, now: SQL): SQL {
  const from = sql.raw(fromCte);
  const { token } = email;
  return sql`vt as (
    insert into account_tokens (id, user_id, purpose, token_hash, email, expires_at, created_at)
    select ${token.id}::uuid, id, 'email_verification', ${token.hash}, email,
      ${now} + ${String(VERIFICATION_TOKEN_HOURS)}::float8 * interval '1 hour', ${now}
    from ${from}
  ), vq as (
    insert into notification_queue (id, kind, recipient, payload, idempotency_key)
    select ${email.notificationId}::uuid, 'email_verification', email,
      jsonb_build_object('token', ${token.token}::text, 'expiresInHours', ${VERIFICATION_TOKEN_HOURS}::int),
      'email_verification:' || ${token.id}::text
    from ${from}
    returning id
  )`;
}

/**
 * Queues a new verification email for a signed-in user whose address is not verified yet, at
 * most one per EMAIL_VERIFICATION_MIN_INTERVAL_SECONDS and EMAIL_VERIFICATION_MAX_PER_DAY in
 * 24 hours (registration's email counts): past either, a 429 whose Retry-After is when the
 * next one would be allowed. A verified address gets nothing (and no error). Returns the
 * queued notification's id, or none.
 */
export async function requestEmailVerification(deps: AuthDeps, userId: string): Promise<string[]> {
  const { config } = deps;
  const now = deps.clock.sqlNow;
  const email = await newVerificationEmail();
  const perDay = config.EMAIL_VERIFICATION_MAX_PER_DAY;
  const [, result] = await deps.db.batch([
    deps.db.execute(accountTokenLock(`email-verification:${userId}`)),
    deps.db.execute(sql`
      with u as (
        select id, email, email_verified_at is not null as verified from users where id = ${userId}::uuid and is_active
      ), recent as (
        select created_at, row_number() over (order by created_at desc) as newest_first
        from account_tokens
        where user_id = ${userId}::uuid and purpose = 'email_verification' and created_at > ${now} - interval '1 day'
      ), wait as (
        select greatest(0,
          -- since the latest one
          (select extract(epoch from max(created_at) + ${String(config.EMAIL_VERIFICATION_MIN_INTERVAL_SECONDS)}::float8
            * interval '1 second' - ${now}) from recent),
          -- until the day's budget has room again: the oldest email that must leave the window
          (select extract(epoch from created_at + interval '1 day' - ${now}) from recent where newest_first = ${perDay}::int)
        ) as seconds
      ), allowed as (
        select u.id, u.email from u, wait where not u.verified and wait.seconds <= 0
      ), ${verificationEmailCtes('allowed', email, now)}
      select (select verified from u) as verified, ceil((select seconds from wait))::int as retry_after,
        (select id from vq) as queued`),
  ]);
  const row = result.rows[0];
  if (row?.verified !== false) return [];
  if (row.queued) return [String(row.queued)];
  throw tooManyRequests(Math.max(1, Number(row.retry_after)), 'A verification email was sent recently; retry later.');
}

/**
 * Marks the address verified with a verification token, in one statement: the token is
 * consumed (single use, only while the account still has the address it was sent to) and the
 * account's other verification tokens stop working.
 */
export async function verifyEmail(deps: AuthDeps, token: string, ip: string | null): Promise<void> {
  if (!looksLikeAccountToken(token)) throw invalidVerificationToken();
  const hash = await hashAccountToken(token);
  const now = deps.clock.sqlNow;
  const result = await deps.db.execute(sql`
    with tok as (
      ${consumeAccountToken(hash, 'email_verification', now)}
    ), u as (
      update users set email_verified_at = coalesce(email_verified_at, ${now})
      where id = (select user_id from tok)
      returning id
    ), other_tokens as (
      update account_tokens set used_at = ${now}
      where user_id = (select id from u) and purpose = 'email_verification' and used_at is null
        and id <> (select id from tok)
    ), ev as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'email_verified', id, ${ip}::text, '{}'::jsonb from u
    )
    select count(*)::int as verified from u`);
  if (Number(result.rows[0]?.verified ?? 0) === 0) throw invalidVerificationToken();
}
