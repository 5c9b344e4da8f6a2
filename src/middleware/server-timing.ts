import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

// Login, registration and refresh must answer in the same time whatever the account: a
// per-request database time would tell an unknown email from a wrong password.
const UNTIMED = /^\/v1\/auth\//;

const ms = (value: number) => Math.round(value * 10) / 10;

/**
 * Answers with `Server-Timing: db;dur=…, app;dur=…`: time waiting on queries (as counted by
 * the database middleware, which runs inside this one), and the whole request.
 */
export function serverTiming() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    if (UNTIMED.test(c.req.path)) return;
    const usage = c.get('dbUsage') ?? { ms: 0, queries: 0 };
    const value = `db;dur=${ms(usage.ms)};desc="${usage.queries} database round trips", app;dur=${ms(performance.now() - started)}`;
    try {
      c.res.headers.append('Server-Timing', value);
    } catch {
      // A response with immutable headers (e.g. passed through from fetch): copy it.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.append('Server-Timing', value);
    }
  });
}
