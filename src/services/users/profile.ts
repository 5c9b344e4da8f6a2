import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import { ApiError, notFound, tooManyRequests } from '../../lib/errors';
import { auditInsertFrom } from '../audit/record';
import { clientKey, recordLoginFailure } from '../auth/login';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { endSessionsCtes } from '../auth/sessions';
import type { AuthDeps } from '../auth/types';
import { type UserRecord, userColumns, userFromRow } from './user-record';

/** The only field users may change about themselves; role and flags are never read here. */
export async function updateOwnName(db: Database, id: string, name: string): Promise<UserRecord> {
  const result = await db.execute(
    sql`update users u set name = ${name} where u.id = ${id}::uuid returning ${userColumns('u')}`,
  );
  const row = result.rows[0];
  if (!row) throw notFound('USER_NOT_FOUND', 'No such user.');
  return userFromRow(row);
}

const wrongCurrentPassword = () =>
  new ApiError({
    code: 'INVALID_CURRENT_PASSWORD',
    detail: 'The current password is incorrect.',
    errors: [{ path: 'currentPassword', message: 'is incorrect' }],
  });

/**
 * Checks the current password, then stores the new hash, clears mustChangePassword, lifts the
 * account lock and ends every other session of the user, in one statement. The session is the
 * client here: a wrong current password counts towards the account's ceiling like a failed
 * sign-in, and LOGIN_MAX_FAILURES of them in a row make this session wait (429), so a stolen
 * access token cannot be used to guess the password. A lock of the account or of other clients
 * does not stop the signed-in owner: the session and the current password prove more than a
 * sign-in does.
 */
export async function changePassword(
  deps: AuthDeps,
  input: {
    userId: string;
    sessionId: string;
    currentPassword: string;
    newPassword: string;
    ip: string | null;
    requestId?: string | null;
  },
): Promise<void> {
  const audit = { actorId: input.userId, requestId: input.requestId ?? null, ip: input.ip };
  const cost = deps.config.BCRYPT_COST;
  const now = deps.clock.sqlNow;
  const key = await clientKey(`session:${input.sessionId}`);
  const found = await deps.db.execute(sql`
    select u.password_hash,
      case when t.locked_until > ${now} then ceil(extract(epoch from t.locked_until - ${now}))::int end as retry_after
    from users u
    left join login_throttles t on t.user_id = u.id and t.client_key = ${key}
    where u.id = ${input.userId}::uuid`);
  const current = found.rows[0];
  if (!current) throw notFound('USER_NOT_FOUND', 'No such user.');
  if (current.retry_after !== null && current.retry_after !== undefined) {
    throw tooManyRequests(Math.max(1, Number(current.retry_after)), 'Too many wrong passwords; retry later.');
  }
  const passwordHash = String(current.password_hash);
  if (!(await verifyPassword(input.currentPassword, passwordHash, cost))) {
    await recordLoginFailure(deps, {
      userId: input.userId,
      countIt: true,
      reason: 'wrong_password',
      ip: input.ip,
      clientKey: key,
      via: 'password_change',
      requestId: input.requestId ?? null,
    });
    throw wrongCurrentPassword();
  }
  if (await verifyPassword(input.newPassword, passwordHash, cost)) {
    throw new ApiError({
      code: 'PASSWORD_UNCHANGED',
      detail: 'The new password must differ from the current one.',
      errors: [{ path: 'newPassword', message: 'must differ from the current password' }],
    });
  }
  const newHash = await hashPassword(input.newPassword, cost);
  const ended = endSessionsCtes({
    prefix: 'x',
    where: sql`user_id = (select id from u) and id <> ${input.sessionId}::uuid`,
    reason: 'password_changed',
    clock: deps.clock,
    ip: input.ip,
    actorId: input.userId,
  });
  await deps.db.execute(sql`
    with u as (
      update users set password_hash = ${newHash}, must_change_password = false,
        password_changed_at = ${now}, failed_login_count = 0, locked_at = null
      where id = ${input.userId}::uuid and is_active
      returning id
    ), session_client as (
      delete from login_throttles where user_id = (select id from u) and client_key = ${key}
    ), reset_links as (
      -- A reset link asked for before the owner changed the password must not undo that change.
      update account_tokens set used_at = ${now}
      where user_id = (select id from u) and purpose = 'password_reset' and used_at is null
    ), ${ended}, ev as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'password_changed', id, ${input.ip}::text,
        jsonb_build_object('sessionId', ${input.sessionId}::text) from u
    ), audited as (
      ${auditInsertFrom(
        audit,
        {
          action: 'auth.password_change',
          targetType: 'user',
          targetId: input.userId,
          // Never the hashes: when it changed, and how many other sessions it ended.
          after: sql`jsonb_build_object('passwordChangedAt', ${now}, 'sessionsEnded', (select count(*) from xs))`,
        },
        sql`from u`,
      )}
    )
    select count(*) from u`);
}
