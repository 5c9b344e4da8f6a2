import { checkDatabase } from '../../services/health';
import type { AppRouteHandler } from '../shared/request-context';
import type { live, ready } from './health.routes';

export const liveHandler: AppRouteHandler<typeof live> = (c) => c.json({ status: 'ok' as const }, 200);

export const readyHandler: AppRouteHandler<typeof ready> = async (c) => {
  const db = await checkDatabase(c.var.db);
  c.header('Cache-Control', 'no-store');
  return c.json({ status: 'ok' as const, db }, 200);
};
