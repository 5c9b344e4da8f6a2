import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { ApiError } from '../../lib/errors';
import { auditInsertFrom } from '../audit/record';
import {
  accountTokenLock,
  consumeAccountToken,
  hashAccountToken,
  looksLikeAccountToken,
  type NewAccountToken,
  newAccountToken,
} from './account-tokens';
import { hashPassword } from './passwords';
import { endSessionsCtes } from './sessions';
import type { AuthDeps, ClientInfo } from './types';

export const invalidResetToken = () =>
  new ApiError({
    code: 'INVALID_RESET_TOKEN',
    detail: 'This password reset link is invalid or has expired. Ask for a new one.',
  });

/** What a reset request makes before knowing anything about the address: the same for every one. */
export interface PreparedReset {
  email: string;
  token: NewAccountToken;
  notificationId: string;
}

export async function prepareResetRequest(email: string): Promise<PreparedReset> {
  return { email, token: await newAccountToken(), notificationId: uuidv7() };
}

/**
 * Issues the reset token and queues its email when the address belongs to an active account
 * (locked ones included: a reset is how a locked-out owner gets back in) whose budget of
 * PASSWORD_RESET_MAX_PER_HOUR emails is not spent; otherwise changes nothing. A lock on the
 * address, taken first in the same transaction, makes concurrent requests count each other.
 * Returns the queued notification's id, or none.
 */
export async function issuePasswordReset(deps: AuthDeps, prepared: PreparedReset): Promise<string[]> {
  const { config, clock } = deps;
  const now = clock.sqlNow;
  const { token } = prepared;
  const minutes = config.PASSWORD_RESET_TOKEN_MINUTES;
  const [, result] = await deps.db.batch([
    deps.db.execute(accountTokenLock(`password-reset:${prepared.email}`)),
    deps.db.execute(sql`
      with u as (
        select id, email from users where email = ${prepared.email} and is_active
      ), allowed as (
        select u.* from u
        where (select count(*) from account_tokens t
          where t.user_id = u.id and t.purpose = 'password_reset'
            and t.created_at > ${now} - interval '1 hour') < ${config.PASSWORD_RESET_MAX_PER_HOUR}::int
      ), tok as (
        insert into account_tokens (id, user_id, purpose, token_hash, email, expires_at, created_at)
        select ${token.id}::uuid, id, 'password_reset', ${token.hash}, email,
          ${now} + ${String(minutes)}::float8 * interval '1 minute', ${now}
        from allowed
      ), queued as (
        insert into notification_queue (id, kind, recipient, payload, idempotency_key)
        select ${prepared.notificationId}::uuid, 'password_reset', email,
          jsonb_build_object('token', ${token.token}::text, 'expiresInMinutes', ${minutes}::int),
          'password_reset:' || ${token.id}::text
        from allowed
        returning id
      )
      select id from queued`),
  ]);
  return result.rows.map((row) => String(row.id));
}

/**
 * Sets a new password with a reset token. The password is hashed first; then ONE statement
 * consumes the token (see consumeAccountToken) and, only if it did, stores the hash, clears
 * mustChangePassword and every lock (the account's and its clients'), ends every session,
 * makes the account's other reset tokens unusable and writes the audit entry. A token that
 * matches nothing changes nothing and is a 400.
 */
export async function confirmPasswordReset(
  deps: AuthDeps,
  input: { token: string; newPassword: string },
  client: ClientInfo,
): Promise<void> {
  if (!looksLikeAccountToken(input.token)) throw invalidResetToken();
  const hash = await hashAccountToken(input.token);
  const newHash = await hashPassword(input.newPassword, deps.config.BCRYPT_COST);
  const now = deps.clock.sqlNow;
  const ended = endSessionsCtes({
    prefix: 'x',
    where: sql`user_id = (select id from u)`,
    reason: 'password_reset',
    clock: deps.clock,
    ip: client.ip,
  });
  const result = await deps.db.execute(sql`
    with tok as (
      ${consumeAccountToken(hash, 'password_reset', now)}
    ), prior as (
      select id, locked_at, must_change_password from users where id = (select user_id from tok)
    ), u as (
      update users set password_hash = ${newHash}, password_changed_at = ${now}, must_change_password = false,
        failed_login_count = 0, locked_at = null
      where id = (select user_id from tok)
      returning id
    ), clients as (
      update login_throttles set failed_count = 0, locked_until = null
      where user_id = (select id from u) and (failed_count <> 0 or locked_until is not null)
    ), other_tokens as (
      update account_tokens set used_at = ${now}
      where user_id = (select id from u) and purpose = 'password_reset' and used_at is null
        and id <> (select id from tok)
    ), ${ended}, ev as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'password_reset', id, ${client.ip}::text, '{}'::jsonb from u
    ), audited as (
      ${auditInsertFrom(
        { actorId: null, requestId: client.requestId ?? null, ip: client.ip },
        {
          action: 'auth.password_reset',
          targetType: 'user',
          targetId: sql`id`,
          // Never the hashes: when, what it lifted, and how many sessions it ended.
          after: sql`jsonb_build_object('passwordChangedAt', ${now}, 'wasLocked', locked_at is not null,
            'hadToChangePassword', must_change_password, 'sessionsEnded', (select count(*) from xs))`,
        },
        sql`from prior where exists (select 1 from u)`,
      )}
    )
    select count(*)::int as reset from u`);
  if (Number(result.rows[0]?.reset ?? 0) === 0) throw invalidResetToken();
}
