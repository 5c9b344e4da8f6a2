import { getConfig } from '../../env';
import { requestClock } from '../../lib/clock';
import { computeDashboard, freshDashboard } from '../../services/analytics/dashboard-snapshots';
import type { AppRouteHandler } from '../shared/request-context';
import type { dashboardRoute } from './dashboard.routes';

/** `Cache-Control: no-cache` (or max-age=0) asks for figures counted now, as HTTP defines it. */
const wantsFresh = (header: string | undefined) => /(^|,)\s*(no-cache|max-age=0)\s*(,|$)/i.test(header ?? '');

export const dashboardHandler: AppRouteHandler<typeof dashboardRoute> = async (c) => {
  const { days, until } = c.req.valid('query');
  const query = { days, lastDay: until ?? new Date().toISOString().slice(0, 10) };
  const db = c.var.db;
  const clock = requestClock(c);
  const maxAge = wantsFresh(c.req.header('Cache-Control')) ? 0 : getConfig(c.env).DASHBOARD_MAX_AGE_SECONDS;
  let snapshot = await freshDashboard(db, query, maxAge, clock);
  if (!snapshot) {
    // Counting is expensive: only for a session the database has confirmed.
    await c.var.auth.live;
    snapshot = await computeDashboard(db, query, clock);
  }
  c.header('Cache-Control', 'no-store');
  c.header('Age', String(Math.max(0, Math.floor((clock.now().getTime() - snapshot.generatedAt.getTime()) / 1000))));
  return c.json({ ...snapshot.dashboard, generatedAt: snapshot.generatedAt.toISOString() }, 200);
};
