import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { unauthorized } from '../../lib/errors';
import { auditInsertFrom } from '../audit/record';
import { userColumns, userFromRow } from '../users/user-record';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from './refresh-token';
import { endSessionsCtes, tokensFor } from './sessions';
import type { AuthDeps, ClientInfo, IssuedTokens } from './types';

export const invalidRefreshToken = () =>
  unauthorized('INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired or was revoked; sign in again.');

/**
 * Rotation in one statement: the presented token is marked used only if it is still unused
 * (the row lock makes exactly one of N parallel presentations win), and its successor is
 * inserted in the same statement. The session keeps its absolute expiry.
 */
async function rotate(deps: AuthDeps, hash: string, newHash: string, client: ClientInfo) {
  const now = deps.clock.sqlNow;
  const newId = uuidv7();
  const result = await deps.db.execute(sql`
    with old as (
      update refresh_tokens t set used_at = ${now}, last_used_at = ${now}, replaced_by = ${newId}::uuid
      from sessions s, users u
      where t.token_hash = ${hash} and t.used_at is null and t.revoked_at is null and t.expires_at > ${now}
        and s.id = t.session_id and s.revoked_at is null and s.expires_at > ${now}
        and u.id = t.user_id and u.is_active
      returning t.session_id, t.user_id, s.expires_at
    ), touch as (
      update sessions s set last_used_at = ${now}, user_agent = coalesce(${client.userAgent}::text, s.user_agent)
      from old where s.id = old.session_id
    ), ins as (
      insert into refresh_tokens (id, session_id, user_id, token_hash, expires_at, created_at)
      select ${newId}::uuid, session_id, user_id, ${newHash}, expires_at, ${now} from old
    )
    select old.session_id, ${userColumns('u')} from old join users u on u.id = old.user_id`);
  return result.rows[0] ?? null;
}

interface TokenState {
  sessionId: string;
  userId: string;
  usable: boolean;
  used: boolean;
  inGrace: boolean;
}

async function inspect(deps: AuthDeps, hash: string): Promise<TokenState | null> {
  const now = deps.clock.sqlNow;
  const grace = String(deps.config.REFRESH_GRACE_SECONDS);
  const result = await deps.db.execute(sql`
    select t.session_id, t.user_id, t.used_at is not null as used,
      (t.used_at is not null and t.used_at > ${now} - ${grace}::float8 * interval '1 second') as in_grace,
      (t.revoked_at is null and t.expires_at > ${now} and s.revoked_at is null and s.expires_at > ${now} and u.is_active) as usable
    from refresh_tokens t
    join sessions s on s.id = t.session_id
    join users u on u.id = t.user_id
    where t.token_hash = ${hash}`);
  const row = result.rows[0];
  if (!row) return null;
  return {
    sessionId: String(row.session_id),
    userId: String(row.user_id),
    used: row.used === true,
    inGrace: row.in_grace === true,
    usable: row.usable === true,
  };
}

/**
 * Inside the grace window a second presentation (two tabs refreshing at once) gets its own
 * fresh token in the same session, so the caller stays signed in and no session is added.
 */
async function issueSibling(deps: AuthDeps, sessionId: string, newHash: string) {
  const now = deps.clock.sqlNow;
  const result = await deps.db.execute(sql`
    with s as (
      update sessions s set last_used_at = ${now}
      from users u
      where s.id = ${sessionId}::uuid and s.revoked_at is null and s.expires_at > ${now}
        and u.id = s.user_id and u.is_active
      returning s.id, s.user_id, s.expires_at
    ), ins as (
      insert into refresh_tokens (id, session_id, user_id, token_hash, expires_at, created_at)
      select ${uuidv7()}::uuid, s.id, s.user_id, ${newHash}, s.expires_at, ${now} from s
    )
    select s.id as session_id, ${userColumns('u')} from s join users u on u.id = s.user_id`);
  return result.rows[0] ?? null;
}

/** A used token shown again after the window: someone holds a copy. End the whole session. */
async function revokeForReuse(deps: AuthDeps, state: TokenState, client: ClientInfo) {
  const ctes = endSessionsCtes({
    prefix: 'x',
    where: sql`id = ${state.sessionId}::uuid`,
    reason: 'refresh_token_reuse',
    clock: deps.clock,
    ip: client.ip,
  });
  await deps.db.execute(sql`
    with ${ctes}, reuse as (
      insert into analytics_events (id, type, user_id, ip_address, metadata)
      values (${uuidv7()}::uuid, 'refresh_reuse_detected', ${state.userId}::uuid, ${client.ip}::text,
        jsonb_build_object('sessionId', ${state.sessionId}::text))
    ), audited as (
      ${auditInsertFrom(
        { actorId: null, requestId: client.requestId ?? null, ip: client.ip },
        {
          action: 'auth.refresh_reuse',
          targetType: 'user',
          targetId: state.userId,
          after: sql`jsonb_build_object('sessionId', ${state.sessionId}::text, 'sessionEnded', exists (select 1 from xs))`,
        },
        sql``,
      )}
    )
    select count(*) from xs`);
}

export async function refresh(deps: AuthDeps, refreshToken: string, client: ClientInfo): Promise<IssuedTokens> {
  if (!looksLikeRefreshToken(refreshToken)) throw invalidRefreshToken();
  const hash = await hashRefreshToken(refreshToken);
  const next = await newRefreshToken();

  const rotated = await rotate(deps, hash, next.hash, client);
  if (rotated) return tokensFor(deps, userFromRow(rotated), String(rotated.session_id), next.token);

  const state = await inspect(deps, hash);
  if (!state?.usable) throw invalidRefreshToken();
  if (state.used && state.inGrace) {
    const sibling = await issueSibling(deps, state.sessionId, next.hash);
    if (sibling) return tokensFor(deps, userFromRow(sibling), String(sibling.session_id), next.token);
    throw invalidRefreshToken();
  }
  if (state.used) await revokeForReuse(deps, state, client);
  throw invalidRefreshToken();
}

/** Ends the session the token belongs to; unknown or already-ended tokens are fine (idempotent). */
export async function logout(deps: AuthDeps, refreshToken: string, client: ClientInfo): Promise<void> {
  if (!looksLikeRefreshToken(refreshToken)) return;
  const hash = await hashRefreshToken(refreshToken);
  const ctes = endSessionsCtes({
    prefix: 'x',
    where: sql`id = (select session_id from refresh_tokens where token_hash = ${hash} and revoked_at is null)`,
    reason: 'logout',
    clock: deps.clock,
    ip: client.ip,
  });
  await deps.db.execute(sql`with ${ctes} select count(*) from xs`);
}
