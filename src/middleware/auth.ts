import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { type Role, USER_ROLES } from '../db/enums';
import type { AppEnv } from '../env';
import { getConfig } from '../env';
import { requestClock } from '../lib/clock';
import { forbidden, unauthorized } from '../lib/errors';
import { withFields } from '../lib/logger';
import { verifyAccessToken } from '../services/auth/access-token';
import { loadPrincipal, type Principal } from '../services/auth/principal';

/** Who is calling, as the verified token says, and the database's word on it. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  /** The session and user as the database has them; settled before any response leaves. */
  live: Promise<Principal>;
}

export function hasRole(actual: Role, required: Role): boolean {
  return USER_ROLES.indexOf(actual) >= USER_ROLES.indexOf(required);
}

/**
 * The env of a handler behind requireRole: `c.var.auth` is always there. Handlers learn who is
 * calling from it and from nothing else.
 */
export interface SignedInEnv {
  Bindings: AppEnv['Bindings'];
  Variables: AppEnv['Variables'] & { auth: AuthContext };
}

/** Routes a user who must change the password may still call. */
const PASSWORD_CHANGE_ALLOWED = new Set(['POST /v1/me/password']);

/** Methods that change nothing: their handler may run while the session is being checked. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

function admit(c: Context<SignedInEnv>, principal: Principal | null, required: Role): Principal {
  if (!principal) throw unauthorized('SESSION_ENDED', 'The session has ended; sign in again.');
  if (principal.mustChangePassword && !PASSWORD_CHANGE_ALLOWED.has(`${c.req.method} ${c.req.path}`)) {
    throw forbidden('PASSWORD_CHANGE_REQUIRED', 'Change your password before using the API.');
  }
  if (!hasRole(principal.role, required)) throw forbidden('FORBIDDEN', 'Your role does not allow this action.');
  return principal;
}

/**
 * Verifies the bearer token, then checks the session and role against the database so that
 * logout, ended sessions, disabled accounts and role changes apply on the next request.
 *
 * A read whose token already claims the role runs its handler while that check is in flight
 * (one round trip of latency instead of two, which matters far from the database); its answer
 * is thrown away for a problem response if the check fails. Handlers see only the token's ids
 * until they await `live`. Writes, and tokens that claim too little, wait for the check first.
 */
export function requireRole(required: Role) {
  return createMiddleware<SignedInEnv>(async (c, next) => {
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
    if (!match?.[1]) throw unauthorized('UNAUTHORIZED', 'A valid bearer access token is required.');
    const claims = await verifyAccessToken(getConfig(c.env), match[1]);
    if (!claims) throw unauthorized('INVALID_TOKEN', 'The access token is invalid or expired.');
    const live = loadPrincipal(c.get('db'), claims.sub, claims.sid, requestClock(c)).then((p) => admit(c, p, required));
    c.set('auth', { userId: claims.sub, sessionId: claims.sid, live });
    c.set('logger', withFields(c.get('logger'), { userId: claims.sub }));
    if (!SAFE_METHODS.has(c.req.method) || !hasRole(claims.role, required)) {
      await live;
      await next();
      return;
    }
    // What the response carries before the handler runs: all a refusal may keep.
    const before = new Headers(c.res.headers);
    const [check] = await Promise.allSettled([live, next()]);
    if (check.status === 'rejected') {
      // Hono copies the headers of the current response into the error response; the handler's
      // (an ETag, a Location) would tell a refused caller what it read.
      c.res = undefined;
      c.res = new Response(null, { headers: before });
      throw check.reason;
    }
  });
}
