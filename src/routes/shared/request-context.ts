import type { RouteConfig, RouteConfigToEnv, RouteHandler, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type AppEnv, getConfig } from '../../env';
import { requestClock } from '../../lib/clock';
import { clientIp, rateLimitKey, truncateIp } from '../../lib/ip';
import type { AuditContext } from '../../services/audit/record';
import { clientUserAgent } from '../../services/auth/sessions';
import type { AuthDeps, ClientInfo } from '../../services/auth/types';

/**
 * A route's handler, with the variables its route middleware provides: behind requireRole
 * `c.var.auth` (who is calling) is typed as always present, and nowhere else does it exist.
 */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv & RouteConfigToEnv<R>>;

/** What a route documents as its JSON body for `status`. */
export type JsonBody<R extends RouteConfig, S extends keyof R['responses']> = R['responses'][S] extends {
  content: { 'application/json': { schema: infer Schema extends z.ZodType } };
}
  ? z.input<Schema>
  : never;

/** What every handler's context offers, whatever its route middleware adds. */
export type RequestContext = Pick<Context<AppEnv>, 'env' | 'req' | 'var' | 'header' | 'executionCtx'>;

/** What the auth services need from a request, and nothing Hono-shaped. */
export function authDeps(c: RequestContext): AuthDeps {
  return { db: c.var.db, config: getConfig(c.env), clock: requestClock(c) };
}

export function clientInfo(c: RequestContext, deviceName?: string | null): ClientInfo {
  return {
    ip: truncateIp(clientIp(c)),
    throttleClient: rateLimitKey(clientIp(c)),
    userAgent: clientUserAgent(c.req.header('User-Agent')),
    deviceName: deviceName ?? null,
    requestId: c.var.requestId ?? null,
  };
}

/** Who is writing and from where, for the audit entry of the write. */
export function auditContext(c: RequestContext, actorId: string | null): AuditContext {
  return { actorId, requestId: c.var.requestId ?? null, ip: truncateIp(clientIp(c)) };
}
