import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../env';
import { checkDatabase } from '../../services/health';
import type { live, ready } from './health.routes';

export const liveHandler: RouteHandler<typeof live, AppEnv> = (c) => c.json({ status: 'ok' as const }, 200);

export const readyHandler: RouteHandler<typeof ready, AppEnv> = async (c) => {
  const db = await checkDatabase(c.get('db'));
  c.header('Cache-Control', 'no-store');
  return c.json({ status: 'ok' as const, db }, 200);
};
