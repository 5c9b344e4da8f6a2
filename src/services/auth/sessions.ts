import { and, desc, eq, gt, isNull, type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { AuditAction } from '../../db/enums';
import { sessions } from '../../db/schema';
import type { Clock } from '../../lib/clock';
import { type AuditContext, auditInsertFrom } from '../audit/record';
import type { UserRecord } from '../users/user-record';
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from './access-token';
import { newRefreshToken } from './refresh-token';
import type { AuthDeps, ClientInfo, IssuedTokens } from './types';

export const USER_AGENT_MAX = 512;

export function clientUserAgent(userAgent: string | null | undefined): string | null {
  return userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null;
}

export interface NewSession {
  sessionId: string;
  refreshToken: string;
  /** CTEs `s` (the session), `r` (its first refresh token) and `sev` (the event), reading user ids from `fromCte`. */
  ctes: SQL;
}

/**
 * CTE fragments that open a session for the user row(s) of `fromCte` in the same statement
 * as whatever produced them, so a sign-in is all or nothing.
 */
export async function newSessionCtes(
  deps: AuthDeps,
  client: ClientInfo,
  fromCte: string,
  eventType: 'login_succeeded' | 'user_registered',
): Promise<NewSession> {
  const sessionId = uuidv7();
  const { token, hash } = await newRefreshToken();
  const now = deps.clock.sqlNow;
  const device = client.deviceName ?? null;
  const ua = clientUserAgent(client.userAgent);
  const from = sql.raw(fromCte);
  const ctes = sql`s as (
    insert into sessions (id, user_id, device_name, user_agent, ip_address, created_at, last_used_at, expires_at)
    select ${sessionId}::uuid, ${from}.id, ${device}::text, ${ua}::text, ${client.ip}::text, ${now}, ${now},
      ${now} + ${String(deps.config.SESSION_TTL_DAYS)}::float8 * interval '1 day'
    from ${from}
    returning id, user_id, expires_at
  ), r as (
    insert into refresh_tokens (id, session_id, user_id, token_hash, expires_at, created_at)
    select ${uuidv7()}::uuid, s.id, s.user_id, ${hash}, s.expires_at, ${now} from s
    returning id
  ), sev as (
    insert into analytics_events (id, type, user_id, ip_address, metadata)
    select ${uuidv7()}::uuid, ${eventType}::text, s.user_id, ${client.ip}::text,
      jsonb_build_object('sessionId', s.id, 'deviceName', ${device}::text)
    from s
  )`;
  return { sessionId, refreshToken: token, ctes };
}

export async function tokensFor(
  deps: AuthDeps,
  user: UserRecord,
  sessionId: string,
  refreshToken: string,
): Promise<IssuedTokens> {
  const accessToken = await signAccessToken(deps.config, { userId: user.id, sessionId, role: user.role });
  return { user, sessionId, accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

export type SessionEndReason =
  | 'logout'
  | 'ended_by_user'
  | 'password_changed'
  | 'password_reset'
  | 'ended_by_admin'
  | 'account_disabled'
  | 'refresh_token_reuse';

/**
 * CTEs `<p>s` (sessions ended), `<p>r` (their refresh tokens revoked) and `<p>e` (one
 * `session_ended` event per user) for the live sessions matching `where`.
 */
export function endSessionsCtes(options: {
  prefix: string;
  where: SQL;
  reason: SessionEndReason;
  clock: Clock;
  ip: string | null;
  actorId?: string | null;
  /** Records the ending in the audit log (one entry per user), in the same statement. */
  audit?: { context: AuditContext; action: AuditAction };
}): SQL {
  const p = sql.raw(options.prefix);
  const audited = options.audit
    ? sql`, ${p}a as (${auditInsertFrom(
        options.audit.context,
        {
          action: options.audit.action,
          targetType: 'user',
          targetId: sql`user_id`,
          after: sql`jsonb_build_object('reason', ${options.reason}::text, 'count', n, 'sessionIds', ids)`,
        },
        sql`from (select user_id, count(*) as n, to_jsonb((array_agg(id order by id))[1:20]) as ids
          from ${p}s group by user_id) ended`,
      )})`
    : sql``;
  const now = options.clock.sqlNow;
  // The event names at most 20 ids: analytics metadata is capped at 4 KB by a CHECK.
  return sql`${p}s as (
    update sessions set revoked_at = ${now}, revoked_reason = ${options.reason}
    where revoked_at is null and ${options.where}
    returning id, user_id
  ), ${p}r as (
    update refresh_tokens set revoked_at = ${now}
    where session_id in (select id from ${p}s) and revoked_at is null
  ), ${p}e as (
    insert into analytics_events (id, type, user_id, ip_address, metadata)
    select ${uuidv7()}::uuid, 'session_ended', user_id, ${options.ip}::text,
      jsonb_build_object('reason', ${options.reason}::text, 'count', count(*),
        'sessionIds', to_jsonb((array_agg(id order by id))[1:20]), 'actorId', ${options.actorId ?? null}::uuid)
    from ${p}s group by user_id
  )${audited}`;
}

/** Ends sessions of one user (one, all, or all but one); returns how many were live. */
export async function endSessions(
  db: Database,
  options: {
    userId: string;
    sessionId?: string;
    exceptSessionId?: string;
    reason: SessionEndReason;
    clock: Clock;
    ip: string | null;
    actorId?: string | null;
    audit?: { context: AuditContext; action: AuditAction };
  },
): Promise<number> {
  const conditions = [sql`user_id = ${options.userId}::uuid`];
  if (options.sessionId) conditions.push(sql`id = ${options.sessionId}::uuid`);
  if (options.exceptSessionId) conditions.push(sql`id <> ${options.exceptSessionId}::uuid`);
  const ctes = endSessionsCtes({ ...options, prefix: 'x', where: sql.join(conditions, sql` and `) });
  const result = await db.execute(sql`with ${ctes} select count(*)::int as ended from xs`);
  return Number(result.rows[0]?.ended ?? 0);
}

export interface SessionView {
  id: string;
  deviceName: string | null;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  current: boolean;
}

/** The caller's live sessions, most recently used first. */
export async function listSessions(
  db: Database,
  userId: string,
  currentSessionId: string,
  clock: Clock,
): Promise<SessionView[]> {
  const rows = await db
    .select({
      id: sessions.id,
      deviceName: sessions.deviceName,
      userAgent: sessions.userAgent,
      ipAddress: sessions.ipAddress,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      expiresAt: sessions.expiresAt,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, clock.sqlNow)))
    .orderBy(desc(sessions.lastUsedAt), desc(sessions.id))
    .limit(100);
  return rows.map((row) => ({ ...row, current: row.id === currentSessionId }));
}
