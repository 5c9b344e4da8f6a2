import { createMiddleware } from 'hono/factory';
import { createDb, type QueryUsage } from '../db/client';
import { type AppEnv, getConfig } from '../env';

/** Gives the request its own database client, which counts the time spent on queries. */
export function database() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const usage: QueryUsage = { ms: 0, queries: 0 };
    c.set('dbUsage', usage);
    c.set('db', createDb(getConfig(c.env), { usage }));
    await next();
  });
}
