import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import { users } from '../../db/schema';
import { ApiError, notFound } from '../../lib/errors';
import { recordLoginFailure } from '../auth/login';
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
    status: 422,
    code: 'INVALID_CURRENT_PASSWORD',
    detail: 'The current password is incorrect.',
    errors: [{ path: 'currentPassword', message: 'is incorrect' }],
  });

/**
 * Checks the current password (a wrong one counts towards the lockout, like a failed
 * sign-in, so a stolen access token cannot be used to guess it), then stores the new hash,
 * clears mustChangePassword and ends every other session of the user, in one statement.
 */
export async function changePassword(
  deps: AuthDeps,
  input: { userId: string; sessionId: string; currentPassword: string; newPassword: string; ip: string | null },
): Promise<void> {
  const cost = deps.config.BCRYPT_COST;
  const rows = await deps.db
    .select({
      passwordHash: users.passwordHash,
      locked: sql<boolean>`(${users.lockedUntil} is not null and ${users.lockedUntil} > ${deps.clock.sqlNow})`,
    })
    .from(users)
    .where(eq(users.id, input.userId))
    .limit(1);
  const current = rows[0];
  if (!current) throw notFound('USER_NOT_FOUND', 'No such user.');
  const matches = await verifyPassword(input.currentPassword, current.passwordHash, cost);
  if (!matches || current.locked) {
    await recordLoginFailure(deps, {
      userId: input.userId,
      countIt: !matches,
      reason: matches ? 'locked' : 'wrong_password',
      ip: input.ip,
      via: 'password_change',
    });
    throw wrongCurrentPassword();
  }
  if (await verifyPassword(input.newPassword, current.passwordHash, cost)) {
    throw new ApiError({
      status: 422,
      code: 'PASSWORD_UNCHANGED',
      detail: 'The new password must differ from the current one.',
      errors: [{ path: 'newPassword', message: 'must differ from the current password' }],
    });
  }
  const passwordHash = await hashPassword(input.newPassword, cost);
  const now = deps.clock.sqlNow;
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
      update users set password_hash = ${passwordHash}, must_change_password = false,
        password_changed_at = ${now}, failed_login_count = 0
      where id = ${input.userId}::uuid and is_active
      returning id
    ), ${ended}, ev as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'password_changed', id, ${input.ip}::text,
        jsonb_build_object('sessionId', ${input.sessionId}::text) from u
    )
    select count(*) from u`);
}
