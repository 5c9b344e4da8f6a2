import { type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { Role } from '../../db/enums';
import type { Clock } from '../../lib/clock';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor';
import { conflict, forbidden, notFound } from '../../lib/errors';
import { isUuid } from '../../lib/uuid';
import { type AuditContext, auditInsertFrom } from '../audit/record';
import { hashPassword } from '../auth/passwords';
import { emailTaken } from '../auth/register';
import { endSessions, endSessionsCtes } from '../auth/sessions';
import type { AuthDeps } from '../auth/types';
import { type UserRecord, userColumns, userFromRow } from './user-record';

export interface Actor {
  userId: string;
  ip: string | null;
  requestId?: string | null;
}

const auditOf = (actor: Actor): AuditContext => ({
  actorId: actor.userId,
  requestId: actor.requestId ?? null,
  ip: actor.ip,
});

const userNotFound = () => notFound('USER_NOT_FOUND', 'No such user.');

const CURSOR_SCOPE = { scope: 'admin-users' };

async function afterId(cursorSecret: string, cursor: string): Promise<string> {
  const position = await decodeCursor<{ i?: unknown }>(cursorSecret, cursor, CURSOR_SCOPE);
  if (typeof position?.i !== 'string' || !isUuid(position.i)) throw invalidCursor();
  return position.i;
}

/** Newest first. uuid v7 ids grow with creation time, so the id alone is the keyset. */
export async function listUsers(
  db: Database,
  cursorSecret: string,
  options: { limit: number; cursor?: string; role?: Role; isActive?: boolean; q?: string },
): Promise<{ users: UserRecord[]; nextCursor: string | null }> {
  const where: SQL[] = [sql`true`];
  if (options.cursor) where.push(sql`u.id < ${await afterId(cursorSecret, options.cursor)}::uuid`);
  if (options.role) where.push(sql`u.role = ${options.role}::user_role`);
  if (options.isActive !== undefined) where.push(sql`u.is_active = ${options.isActive}::boolean`);
  if (options.q) {
    const pattern = `%${options.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    where.push(sql`(u.email ilike ${pattern} or u.name ilike ${pattern})`);
  }
  const result = await db.execute(sql`
    select ${userColumns('u')} from users u
    where ${sql.join(where, sql` and `)}
    order by u.id desc
    limit ${options.limit + 1}::int`);
  const rows = result.rows.map(userFromRow);
  const users = rows.slice(0, options.limit);
  const last = users.at(-1);
  const nextCursor =
    rows.length > options.limit && last ? await encodeCursor(cursorSecret, { i: last.id }, CURSOR_SCOPE) : null;
  return { users, nextCursor };
}

/** A super admin creates an account of any role; it must change its password at first sign-in by default. */
export async function createUser(
  deps: AuthDeps,
  actor: Actor,
  input: { email: string; name: string; password: string; role: Role; mustChangePassword: boolean },
): Promise<UserRecord> {
  const passwordHash = await hashPassword(input.password, deps.config.BCRYPT_COST);
  const result = await deps.db.execute(sql`
    with u as (
      insert into users (id, email, password_hash, name, role, must_change_password, password_changed_at)
      values (${uuidv7()}::uuid, ${input.email}, ${passwordHash}, ${input.name}, ${input.role}::user_role,
        ${input.mustChangePassword}::boolean, ${deps.clock.sqlNow})
      on conflict (email) do nothing
      returning ${userColumns('users')}
    ), ev as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'user_created', id, ${actor.ip}::text,
        jsonb_build_object('actorId', ${actor.userId}::text, 'role', role) from u
    ), audited as (
      ${auditInsertFrom(
        auditOf(actor),
        {
          action: 'user.create',
          targetType: 'user',
          targetId: sql`id`,
          after: sql`jsonb_build_object('email', email, 'name', name, 'role', role,
            'mustChangePassword', must_change_password)`,
        },
        sql`from u`,
      )}
    )
    select * from u`);
  const row = result.rows[0];
  if (!row) throw emailTaken();
  return userFromRow(row);
}

// Any stable number works; it only has to be the same for every change of super-admin status.
const SUPER_ADMIN_LOCK_KEY = 7_304_211;

/** Taken first in the batch: serialises every change that could remove a super admin. */
export const superAdminLock = () => sql`select pg_advisory_xact_lock(${SUPER_ADMIN_LOCK_KEY}::bigint)`;

export type UserPatch = { role?: Role; isActive?: boolean; name?: string };

/**
 * The update as one statement: it refuses (updates nothing) when the target is an active
 * super admin who would stop being one while no other active super admin exists, ends the
 * sessions of a disabled account, and records the events. Always returns exactly one row:
 * `found` (0 or 1) and the updated user's columns, null when refused.
 */
export function updateUserStatement(deps: AuthDeps, actor: Actor, id: string, input: UserPatch): SQL {
  const role = input.role ?? null;
  const active = input.isActive ?? null;
  const ended = endSessionsCtes({
    prefix: 'x',
    where: sql`user_id in (select id from upd where not is_active and old_active)`,
    reason: 'account_disabled',
    clock: deps.clock,
    ip: actor.ip,
    actorId: actor.userId,
  });
  // Only the fields the patch names appear in the audit entry: [key, old column, new column].
  const named = (
    [
      ['role', 'old_role', 'role', input.role],
      ['isActive', 'old_active', 'is_active', input.isActive],
      ['name', 'old_name', 'name', input.name],
    ] as const
  ).filter((f) => f[3] !== undefined);
  const fields = (column: 1 | 2) =>
    sql`jsonb_build_object(${sql.join(
      named.map((f) => sql`${f[0]}::text, ${sql.identifier(f[column])}`),
      sql`, `,
    )})`;
  return sql`
    with target as (
      select id, role, is_active, name from users where id = ${id}::uuid
    ), upd as (
      update users u set
        role = coalesce(${role}::user_role, u.role),
        is_active = coalesce(${active}::boolean, u.is_active),
        name = coalesce(${input.name ?? null}::text, u.name)
      from target t
      where u.id = t.id and (
        not (t.role = 'super_admin' and t.is_active)
        or (coalesce(${role}::user_role, t.role) = 'super_admin' and coalesce(${active}::boolean, t.is_active))
        or exists (select 1 from users o where o.role = 'super_admin' and o.is_active and o.id <> t.id)
      )
      returning ${userColumns('u')}, t.role as old_role, t.is_active as old_active, t.name as old_name
    ), ${ended}, ev as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'role_changed', id, ${actor.ip}::text,
        jsonb_build_object('actorId', ${actor.userId}::text, 'from', old_role, 'to', role)
      from upd where role <> old_role
      union all
      select ${uuidv7()}::uuid, case when is_active then 'account_enabled' else 'account_disabled' end, id,
        ${actor.ip}::text, jsonb_build_object('actorId', ${actor.userId}::text)
      from upd where is_active <> old_active
    ), audited as (
      ${auditInsertFrom(
        auditOf(actor),
        {
          action: input.role !== undefined ? 'user.role_change' : 'user.update',
          targetType: 'user',
          targetId: id,
          before: fields(1),
          after: fields(2),
        },
        sql`from upd`,
      )}
    )
    select (select count(*)::int from target) as found, upd.* from (select 1) one left join upd on true`;
}

/** Turns the statement's single row into the user, a 404 or a 409 LAST_SUPER_ADMIN. */
export function updateUserOutcome(row: Record<string, unknown> | undefined): UserRecord {
  if (!row || Number(row.found) === 0) throw userNotFound();
  if (row.id === null || row.id === undefined) {
    throw conflict('LAST_SUPER_ADMIN', 'This change would leave no active super admin.');
  }
  return userFromRow(row);
}

/**
 * Role, active flag and name. A transaction-scoped advisory lock, taken first in the same
 * batch (one transaction), serialises these updates: two super admins demoting each other at
 * once cannot both pass the "another super admin remains" check, because the second
 * statement starts (and takes its snapshot) only after the first transaction committed.
 */
export async function updateUser(deps: AuthDeps, actor: Actor, id: string, input: UserPatch): Promise<UserRecord> {
  const [, result] = await deps.db.batch([
    deps.db.execute(superAdminLock()),
    deps.db.execute(updateUserStatement(deps, actor, id, input)),
  ]);
  return updateUserOutcome(result.rows[0]);
}

/**
 * Clears the account's lock and failure count and every client lock of it (admins and above). A super admin's account is a super
 * admin's to unlock: an admin could otherwise reopen it to guessing after an attack locked it.
 */
export async function unlockUser(db: Database, actor: Actor & { role: Role }, id: string): Promise<void> {
  const result = await db.execute(sql`
    with target as (
      select id, role from users where id = ${id}::uuid
    ), u as (
      update users set failed_login_count = 0, locked_at = null
      where id = (select id from target where role <> 'super_admin' or ${actor.role}::user_role = 'super_admin')
      returning id
    ), clients as (
      update login_throttles set failed_count = 0, locked_until = null
      where user_id = (select id from u)
    ), ev as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'account_unlocked', id, ${actor.ip}::text,
        jsonb_build_object('actorId', ${actor.userId}::text) from u
    ), audited as (
      ${auditInsertFrom(auditOf(actor), { action: 'user.unlock', targetType: 'user', targetId: id }, sql`from u`)}
    )
    select (select count(*)::int from target) as found, (select count(*)::int from u) as unlocked`);
  const row = result.rows[0];
  if (Number(row?.found ?? 0) === 0) throw userNotFound();
  if (Number(row?.unlocked ?? 0) === 0) throw forbidden('FORBIDDEN', 'Only a super admin can unlock a super admin.');
}

/** Ends every session of a user at once; their access tokens stop working on the next request. */
export async function endAllSessions(db: Database, clock: Clock, actor: Actor, id: string): Promise<number> {
  const exists = await db.execute(sql`select 1 from users where id = ${id}::uuid`);
  if (exists.rows.length === 0) throw userNotFound();
  return endSessions(db, {
    userId: id,
    reason: 'ended_by_admin',
    clock,
    ip: actor.ip,
    actorId: actor.userId,
    audit: { context: auditOf(actor), action: 'user.sessions_end' },
  });
}
