import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../env';
import { loadDashboard } from '../../services/analytics/dashboard';
import type { dashboardRoute } from './dashboard.routes';

export const dashboardHandler: RouteHandler<typeof dashboardRoute, AppEnv> = async (c) => {
  const { days, until } = c.req.valid('query');
  const lastDay = until ?? new Date().toISOString().slice(0, 10);
  const dashboard = await loadDashboard(c.get('db'), { days, lastDay });
  c.header('Cache-Control', 'no-store');
  return c.json(dashboard, 200);
};
