import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

/**
 * `Cache-Control: no-store` on every answer of a router with personal data (profiles, tokens,
 * sessions, other people's accounts), errors included: no browser or shared cache keeps them.
 */
export function noStore() {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
}
