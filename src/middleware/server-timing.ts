import { createMiddleware } from 'hono/factory';
import { createDb, type QueryTimer } from '../db/client';
import { type AppEnv, getConfig } from '../env';

// Login, registration and refresh must answer in the same time whatever the account: a
// per-request database time would tell an unknown email from a wrong password.
const UNTIMED = /^\/v1\/auth\//;

const ms = (value: number) => Math.round(value * 10) / 10;

/**
 * Gives the request its database client with a query timer, and answers with
 * `Server-Timing: db;dur=…, app;dur=…` (time waiting on queries, and the whole request).
 */
export function serverTiming() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    let dbMs = 0;
    let queries = 0;
    const timer: QueryTimer = {
      add: (elapsed) => {
        dbMs += elapsed;
        queries += 1;
      },
    };
    c.set('db', createDb(getConfig(c.env), { timer }));
    await next();
    if (UNTIMED.test(c.req.path)) return;
    const value = `db;dur=${ms(dbMs)};desc="${queries} database round trips", app;dur=${ms(performance.now() - started)}`;
    try {
      c.res.headers.append('Server-Timing', value);
    } catch {
      // A response with immutable headers (e.g. passed through from fetch): copy it.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.append('Server-Timing', value);
    }
  });
}
