import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { type AppEnv, configuredLogLevel } from '../env';
import { createLogger } from '../lib/logger';

/** The request's one logger (`c.var.logger`, carrying the request id), and its access log line. */
export function requestLogger() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    c.set('logger', createLogger({ requestId: c.get('requestId') }, configuredLogLevel(c.env)));
    await next();
    // Read again: requireRole adds the caller's id to it.
    c.get('logger').info('request', {
      method: c.req.method,
      route: routePath(c, -1),
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });
}
