import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Role } from '../db/enums';
import { type AppEnv, getConfig } from '../env';
import { requestClock } from '../lib/clock';
import { verifyAccessToken } from '../services/auth/access-token';
import { loadPrincipal } from '../services/auth/principal';
import { type AuthContext, hasRole, requireRole, type SignedInEnv } from './auth';

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

/** The env of a handler behind optionalRole: `c.var.auth` is there when a token was sent. */
export interface MaybeSignedInEnv {
  Bindings: AppEnv['Bindings'];
  Variables: AppEnv['Variables'] & { auth?: AuthContext };
}

/**
 * For routes anyone may call that do more for a signed-in caller (an inquiry then belongs to
 * them): no Authorization header, and the request goes on anonymously; a header, and it must
 * pass exactly what requireRole(role) checks (a bad, expired or ended token is a 401, never
 * silently anonymous).
 */
export function optionalRole(role: Role) {
  const required = requireRole(role);
  return createMiddleware<MaybeSignedInEnv>(async (c, next) => {
    if (c.req.header('Authorization') === undefined) {
      await next();
      return;
    }
    await required(c as unknown as Context<SignedInEnv>, next);
  });
}
