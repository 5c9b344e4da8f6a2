import type { Context } from 'hono';
import { type AppEnv, getConfig } from '../../env';
import { requestClock } from '../../lib/clock';
import { clientIp, truncateIp } from '../../lib/ip';
import { clientUserAgent } from '../../services/auth/sessions';
import type { AuthDeps, ClientInfo } from '../../services/auth/types';

/** What the auth services need from a request, and nothing Hono-shaped. */
export function authDeps(c: Context<AppEnv>): AuthDeps {
  return { db: c.get('db'), config: getConfig(c.env), clock: requestClock(c) };
}

export function clientInfo(c: Context<AppEnv>, deviceName?: string | null): ClientInfo {
  return {
    ip: truncateIp(clientIp(c)),
    userAgent: clientUserAgent(c.req.header('User-Agent')),
    deviceName: deviceName ?? null,
  };
}

/** The signed-in principal; only called behind requireRole. */
export function principal(c: Context<AppEnv>) {
  const auth = c.get('auth');
  if (!auth) throw new Error('principal() used on a route without requireRole');
  return auth;
}
