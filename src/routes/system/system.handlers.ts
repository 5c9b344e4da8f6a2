import { getConfig } from '../../env';
import { JOBS } from '../../jobs/registry';
import { runJob } from '../../jobs/run-job';
import { cursorSecret } from '../../lib/cursor';
import { notFound } from '../../lib/errors';
import type { AuthContext } from '../../middleware/auth';
import { listAlerts } from '../../services/system/alerts';
import { databaseOverview } from '../../services/system/db-stats';
import { type AppRouteHandler, auditContext } from '../shared/request-context';
import type { getDatabaseOverview, listAlerts as listAlertsRoute, runJobNow } from './system.routes';

export const getDatabaseOverviewHandler: AppRouteHandler<typeof getDatabaseOverview> = async (c) => {
  const overview = await databaseOverview(c.var.db, Object.keys(JOBS), getConfig(c.env));
  c.header('Cache-Control', 'no-store');
  return c.json(overview, 200);
};

export const runJobNowHandler: AppRouteHandler<typeof runJobNow> = async (c) => {
  const { name } = c.req.valid('param');
  if (!Object.hasOwn(JOBS, name)) throw notFound('JOB_NOT_FOUND', `There is no job named ${name}.`);
  const outcome = await runJob(
    c.env,
    c.executionCtx as ExecutionContext,
    name,
    'manual',
    // requireRole runs for the whole /v1/admin/system/* router (system.index.ts), so auth is set.
    auditContext(c, (c.var as { auth?: AuthContext }).auth?.userId ?? null),
  );
  c.header('Cache-Control', 'no-store');
  return c.json(outcome, 200);
};

export const listAlertsHandler: AppRouteHandler<typeof listAlertsRoute> = async (c) => {
  const query = c.req.valid('query');
  const page = await listAlerts(c.var.db, cursorSecret(getConfig(c.env)), query);
  c.header('Cache-Control', 'no-store');
  return c.json(page, 200);
};
