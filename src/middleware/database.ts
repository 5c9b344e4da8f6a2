import { createMiddleware } from 'hono/factory';
import { createDb, type QueryUsage } from '../db/client';
import { publicReads } from '../db/public-reads';
import { type AppEnv, getConfig } from '../env';

/**
 * Gives the request its own database client, which counts the time spent on queries, and the
 * read replica for the public reads when one is configured.
 */
export function database() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const config = getConfig(c.env);
    const usage: QueryUsage = { ms: 0, queries: 0 };
    const db = createDb(config, { usage });
    const replica = config.DATABASE_READ_URL ? createDb(config, { usage, replica: true }) : null;
    c.set('dbUsage', usage);
    c.set('db', db);
    c.set(
      'publicReads',
      publicReads(db, replica, (error) =>
        c.var.logger.warn('read replica unreachable; read from the primary', {
          error: error instanceof Error ? error.message : String(error),
        }),
      ),
    );
    await next();
  });
}
