import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { sha256Hex } from '../../lib/encoding';
import { ApiError } from '../../lib/errors';
import { auditInsertFrom } from '../audit/record';
import { toDate, type UserRecord, userColumns, userFromRow } from '../users/user-record';
import { hashCost, hashPassword, verifyPassword } from './passwords';
import { newSessionCtes, tokensFor } from './sessions';
import type { AuthDeps, ClientInfo, IssuedTokens } from './types';

/** One body for every failed sign-in, whatever the reason: nothing to enumerate. */
export function invalidCredentials(): ApiError {
  return new ApiError({
    code: 'INVALID_CREDENTIALS',
    detail: 'The email or password is incorrect.',
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}

export type FailureReason = 'unknown_email' | 'wrong_password' | 'locked' | 'disabled';

/** How a client is stored: a hash, so the table holds no address in clear. */
export const clientKey = (throttleClient: string): Promise<string> => sha256Hex(`login-client:${throttleClient}`);

/** SQL: the minutes a client lock lasts, and how long a client that signed in stays known. */
const clientLockFor = (deps: AuthDeps) => sql`${String(deps.config.LOCKOUT_MINUTES)}::float8 * interval '1 minute'`;
const knownFor = (deps: AuthDeps) => sql`${String(deps.config.LOGIN_KNOWN_CLIENT_DAYS)}::float8 * interval '1 day'`;

export interface FailureOutcome {
  /** The account-wide count of failures in a row, null when nothing was counted. */
  failedLoginCount: number | null;
  /** Until when this client may not try again, null when it may. */
  clientLockedUntil: Date | null;
}

/**
 * Records a failed sign-in in ONE statement, counted twice: for this client (LOGIN_MAX_FAILURES
 * in a row lock this client alone for LOCKOUT_MINUTES, so a stranger's guesses never lock the
 * owner's client) and for the account across all clients (LOGIN_ACCOUNT_MAX_FAILURES in a row
 * set `locked_at`, which no time lifts: NIST SP 800-63B's ceiling). The statement that sets
 * `locked_at` also queues the owner's email and records `account_locked`; later failures find it
 * set and change nothing, so one lock sends one email. The user row is updated first (its row
 * lock serialises parallel guesses: N wrong guesses add exactly N), then the client's row.
 * Every failure runs this statement, even for an unknown email (it matches nothing).
 */
export async function recordLoginFailure(
  deps: AuthDeps,
  input: {
    userId: string | null;
    countIt: boolean;
    reason: FailureReason;
    ip: string | null;
    clientKey: string;
    via?: string;
    requestId?: string | null;
  },
): Promise<FailureOutcome> {
  const audit = { actorId: null, requestId: input.requestId ?? null, ip: input.ip };
  const now = deps.clock.sqlNow;
  const max = deps.config.LOGIN_MAX_FAILURES;
  const ceiling = deps.config.LOGIN_ACCOUNT_MAX_FAILURES;
  const expired = sql`(t.locked_until is not null and t.locked_until <= ${now})`;
  const running = sql`(t.locked_until is not null and t.locked_until > ${now})`;
  const nextCount = sql`(case when ${expired} then 1 else t.failed_count + 1 end)`;
  const result = await deps.db.execute(sql`
    with upd as (
      update users u set
        failed_login_count = u.failed_login_count + 1,
        locked_at = case when u.locked_at is null and u.failed_login_count + 1 >= ${ceiling}::int then ${now} else u.locked_at end
      where u.id = ${input.userId}::uuid and ${input.countIt}::boolean and u.is_active
      returning u.id, u.email, u.name, u.failed_login_count, u.locked_at
    ), client as (
      insert into login_throttles as t (id, user_id, client_key, failed_count, locked_until, last_failed_at, last_seen_at)
      select ${uuidv7()}::uuid, id, ${input.clientKey}, 1,
        case when 1 >= ${max}::int then ${now} + ${clientLockFor(deps)} end, ${now}, ${now}
      from upd
      on conflict (user_id, client_key) do update set
        failed_count = ${nextCount},
        locked_until = case
          when ${running} then t.locked_until
          when ${nextCount} >= ${max}::int then ${now} + ${clientLockFor(deps)}
          else null
        end,
        last_failed_at = ${now}, last_seen_at = ${now}
      returning user_id, locked_until, failed_count,
        locked_until is not null and locked_until = ${now} + ${clientLockFor(deps)} as newly_locked
    ), just_locked as (
      select * from upd where locked_at = ${now}
    ), notify as (
      insert into notification_queue (id, kind, recipient, payload, idempotency_key)
      select ${uuidv7()}::uuid, 'account_locked', email,
        jsonb_build_object('userId', id, 'name', name, 'lockedAt', locked_at, 'failedAttempts', failed_login_count),
        'account_locked:' || id::text || ':' || (extract(epoch from locked_at) * 1000)::bigint::text
      from just_locked
      on conflict (idempotency_key) do nothing
    ), events as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      select ${uuidv7()}::uuid, 'login_failed', ${input.userId}::uuid, ${input.ip}::text,
        jsonb_build_object('reason', ${input.reason}::text, 'via', ${input.via ?? 'login'}::text)
      union all
      select ${uuidv7()}::uuid, 'account_locked', id, ${input.ip}::text,
        jsonb_build_object('failedAttempts', failed_login_count, 'lockedAt', locked_at)
      from just_locked
    ), account_lock_audited as (
      ${auditInsertFrom(
        audit,
        {
          action: 'auth.lockout',
          targetType: 'user',
          targetId: sql`id`,
          after: sql`jsonb_build_object('scope', 'account', 'lockedAt', locked_at, 'failedAttempts', failed_login_count)`,
        },
        sql`from just_locked`,
      )}
    ), client_lock_audited as (
      ${auditInsertFrom(
        audit,
        {
          action: 'auth.lockout',
          targetType: 'user',
          targetId: sql`user_id`,
          after: sql`jsonb_build_object('scope', 'client', 'lockedUntil', locked_until, 'failedAttempts', failed_count,
            'via', ${input.via ?? 'login'}::text)`,
        },
        sql`from client where newly_locked`,
      )}
    )
    select upd.failed_login_count, client.locked_until from upd left join client on true`);
  const row = result.rows[0];
  return {
    failedLoginCount: row ? Number(row.failed_login_count) : null,
    clientLockedUntil: toDate(row?.locked_until),
  };
}

interface LoginCandidate {
  id: string;
  passwordHash: string;
  isActive: boolean;
  locked: boolean;
}

/**
 * The account by email with its lock as this client sees it, in one lookup: locked when this
 * client is, or when the account is and this client has not signed in to it recently.
 */
async function findCandidate(deps: AuthDeps, email: string, key: string): Promise<LoginCandidate | null> {
  const now = deps.clock.sqlNow;
  const result = await deps.db.execute(sql`
    select u.id, u.password_hash, u.is_active,
      (coalesce(t.locked_until > ${now}, false)
        or (u.locked_at is not null and not coalesce(t.last_succeeded_at > ${now} - ${knownFor(deps)}, false))
      ) as locked
    from users u
    left join login_throttles t on t.user_id = u.id and t.client_key = ${key}
    where u.email = ${email}
    limit 1`);
  const row = result.rows[0];
  if (!row) return null;
  return {
    id: String(row.id),
    passwordHash: String(row.password_hash),
    isActive: row.is_active === true,
    locked: row.locked === true,
  };
}

/**
 * Opens a session for a still-active user whom neither lock stops, resetting the account's
 * count (and lifting its lock: a known client with the password is the stronger check) and
 * marking this client known. The conditions are re-checked in the same statement, so a lock
 * set by a parallel request after our password check still wins. Null when they no longer hold.
 */
async function openSession(
  deps: AuthDeps,
  userId: string,
  client: ClientInfo,
  key: string,
  newHash: string | null,
): Promise<IssuedTokens | null> {
  const now = deps.clock.sqlNow;
  const session = await newSessionCtes(deps, client, 'u', 'login_succeeded');
  const result = await deps.db.execute(sql`
    with u as (
      update users u set failed_login_count = 0, locked_at = null, last_login_at = ${now},
        password_hash = coalesce(${newHash}::text, u.password_hash)
      where u.id = ${userId}::uuid and u.is_active
        and not exists (
          select 1 from login_throttles t
          where t.user_id = u.id and t.client_key = ${key} and t.locked_until > ${now})
        and (u.locked_at is null or exists (
          select 1 from login_throttles t
          where t.user_id = u.id and t.client_key = ${key} and t.last_succeeded_at > ${now} - ${knownFor(deps)}))
      returning ${userColumns('u')}
    ), known as (
      insert into login_throttles as t (id, user_id, client_key, failed_count, last_succeeded_at, last_seen_at)
      select ${uuidv7()}::uuid, id, ${key}, 0, ${now}, ${now} from u
      on conflict (user_id, client_key) do update set
        failed_count = 0, locked_until = null, last_succeeded_at = ${now}, last_seen_at = ${now}
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
  const key = await clientKey(client.throttleClient);
  const candidate = await findCandidate(deps, input.email, key);
  const matches = await verifyPassword(input.password, candidate?.passwordHash ?? null, cost);

  if (candidate && matches && candidate.isActive && !candidate.locked) {
    // Hashes made at an older cost are upgraded while the plain password is at hand.
    const newHash = hashCost(candidate.passwordHash) === cost ? null : await hashPassword(input.password, cost);
    const issued = await openSession(deps, candidate.id, client, key, newHash);
    if (issued) return issued;
    await recordLoginFailure(deps, {
      userId: candidate.id,
      countIt: false,
      reason: 'locked',
      ip: client.ip,
      clientKey: key,
      requestId: client.requestId ?? null,
    });
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
    clientKey: key,
    requestId: client.requestId ?? null,
  });
  throw invalidCredentials();
}
