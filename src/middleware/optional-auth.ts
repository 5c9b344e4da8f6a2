import type { Context } from 'hono';
import type { Role } from '../db/enums';
import { type AppEnv, getConfig } from '../env';
import { requestClock } from '../lib/clock';
import { verifyAccessToken } from '../services/auth/access-token';
import { loadPrincipal } from '../services/auth/principal';
import { hasRole } from './auth';

/**
 * Whether the request carries a valid bearer token of a live session with at least `role`. For
 * public routes that show more to staff: no token, a bad one or too small a role is simply
 * "no" (the caller answers as to anyone), never a 401.
 */
export async function callerHasRole(c: Pick<Context<AppEnv>, 'env' | 'req' | 'var'>, role: Role): Promise<boolean> {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(c.req.header('Authorization') ?? '');
  if (!match?.[1]) return false;
  const claims = await verifyAccessToken(getConfig(c.env), match[1]);
  if (!claims || !hasRole(claims.role, role)) return false;
  const principal = await loadPrincipal(c.var.db, claims.sub, claims.sid, requestClock(c));
  return principal !== null && !principal.mustChangePassword && hasRole(principal.role, role);
}
