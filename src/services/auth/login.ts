import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { users } from '../../db/schema';
import { ApiError } from '../../lib/errors';
import { toDate, type UserRecord, userColumns, userFromRow } from '../users/user-record';
import { hashCost, hashPassword, verifyPassword } from './passwords';
import { newSessionCtes, tokensFor } from './sessions';
import type { AuthDeps, ClientInfo, IssuedTokens } from './types';

/** One body for every failed sign-in, whatever the reason: nothing to enumerate. */
export function invalidCredentials(): ApiError {
  return new ApiError({
    status: 401,
    code: 'INVALID_CREDENTIALS',
    detail: 'The email or password is incorrect.',
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}

export type FailureReason = 'unknown_email' | 'wrong_password' | 'locked' | 'disabled';

export interface FailureOutcome {
  failedLoginCount: number | null;
  lockedUntil: Date | null;
  justLocked: boolean;
}

/**
 * Records a failed sign-in in ONE statement: the failure count, the lock once the count
 * reaches LOGIN_MAX_FAILURES, the owner's notification and the security events. The row lock
 * the UPDATE takes serialises parallel guesses, so N wrong guesses add exactly N, and exactly
 * one of them moves the count onto the limit: that one (and only it) queues the email.
 * A lock that has run out starts a fresh count. Every failure runs this statement, even for an
 * unknown email (its UPDATE matches nothing), so all failures cost the same.
 */
export async function recordLoginFailure(
  deps: AuthDeps,
  input: { userId: string | null; countIt: boolean; reason: FailureReason; ip: string | null; via?: string },
): Promise<FailureOutcome> {
  const now = deps.clock.sqlNow;
  const max = deps.config.LOGIN_MAX_FAILURES;
  const lockedAndRunning = sql`(u.locked_until is not null and u.locked_until > ${now})`;
  const lockExpired = sql`(u.locked_until is not null and u.locked_until <= ${now})`;
  const nextCount = sql`(case when ${lockExpired} then 1 else u.failed_login_count + 1 end)`;
  const result = await deps.db.execute(sql`
    with upd as (
      update users u set
        failed_login_count = ${nextCount},
        locked_until = case
          when ${lockedAndRunning} then u.locked_until
          when ${nextCount} >= ${max}::int then ${now} + ${String(deps.config.LOCKOUT_MINUTES)}::float8 * interval '1 minute'
          else null
        end
      where u.id = ${input.userId}::uuid and ${input.countIt}::boolean and u.is_active
      returning u.id, u.email, u.name, u.failed_login_count, u.locked_until
    ), just_locked as (
      select * from upd where failed_login_count = ${max}::int
    ), notify as (
      insert into notification_queue (id, kind, recipient, payload, idempotency_key)
      select ${uuidv7()}::uuid, 'account_locked', email,
        jsonb_build_object('userId', id, 'name', name, 'lockedUntil', locked_until, 'failedAttempts', failed_login_count),
        'account_locked:' || id::text || ':' || (extract(epoch from locked_until) * 1000)::bigint::text
      from just_locked
      on conflict (idempotency_key) do nothing
    ), events as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'login_failed', ${input.userId}::uuid, ${input.ip}::text,
        jsonb_build_object('reason', ${input.reason}::text, 'via', ${input.via ?? 'login'}::text)
      union all
      select ${uuidv7()}::uuid, 'account_locked', id, ${input.ip}::text,
        jsonb_build_object('failedAttempts', failed_login_count, 'lockedUntil', locked_until)
      from just_locked
    )
    select failed_login_count, locked_until, failed_login_count = ${max}::int as just_locked from upd`);
  const row = result.rows[0];
  return {
    failedLoginCount: row ? Number(row.failed_login_count) : null,
    lockedUntil: toDate(row?.locked_until),
    justLocked: row?.just_locked === true,
  };
}

interface LoginCandidate {
  id: string;
  passwordHash: string;
  isActive: boolean;
  locked: boolean;
}

async function findCandidate(deps: AuthDeps, email: string): Promise<LoginCandidate | null> {
  const rows = await deps.db
    .select({
      id: users.id,
      passwordHash: users.passwordHash,
      isActive: users.isActive,
      locked: sql<boolean>`(${users.lockedUntil} is not null and ${users.lockedUntil} > ${deps.clock.sqlNow})`,
    })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Opens a session for a still-active, unlocked user, resetting the failure count; the
 * conditions are re-checked in the same statement, so a lock set by a parallel request
 * after our password check still wins. Null when they no longer hold.
 */
async function openSession(
  deps: AuthDeps,
  userId: string,
  client: ClientInfo,
  newHash: string | null,
): Promise<IssuedTokens | null> {
  const now = deps.clock.sqlNow;
  const session = await newSessionCtes(deps, client, 'u', 'login_succeeded');
  const result = await deps.db.execute(sql`
    with u as (
      update users u set failed_login_count = 0, locked_until = null, last_login_at = ${now},
        password_hash = coalesce(${newHash}::text, u.password_hash)
      where u.id = ${userId}::uuid and u.is_active and (u.locked_until is null or u.locked_until <= ${now})
      returning ${userColumns('u')}
    ), ${session.ctes}
    select u.* from u join s on s.user_id = u.id`);
  const row = result.rows[0];
  if (!row) return null;
  const user: UserRecord = userFromRow(row);
  return tokensFor(deps, user, session.sessionId, session.refreshToken);
}

/**
 * Email + password sign-in. Every failure (unknown email, wrong password, locked or disabled
 * account) does the same work — one lookup, one bcrypt compare, one write — and throws the
 * same 401, so neither the body nor the timing tells them apart.
 */
export async function login(
  deps: AuthDeps,
  input: { email: string; password: string },
  client: ClientInfo,
): Promise<IssuedTokens> {
  const cost = deps.config.BCRYPT_COST;
  const candidate = await findCandidate(deps, input.email);
  const matches = await verifyPassword(input.password, candidate?.passwordHash ?? null, cost);

  if (candidate && matches && candidate.isActive && !candidate.locked) {
    // Hashes made at an older cost are upgraded while the plain password is at hand.
    const newHash = hashCost(candidate.passwordHash) === cost ? null : await hashPassword(input.password, cost);
    const issued = await openSession(deps, candidate.id, client, newHash);
    if (issued) return issued;
    await recordLoginFailure(deps, { userId: candidate.id, countIt: false, reason: 'locked', ip: client.ip });
    throw invalidCredentials();
  }

  const reason: FailureReason = !candidate
    ? 'unknown_email'
    : !candidate.isActive
      ? 'disabled'
      : candidate.locked
        ? 'locked'
        : 'wrong_password';
  await recordLoginFailure(deps, {
    userId: candidate?.id ?? null,
    // Wrong guesses count even while locked (the count is the attack's size); a right password does not.
    countIt: Boolean(candidate?.isActive) && !matches,
    reason,
    ip: client.ip,
  });
  throw invalidCredentials();
}
