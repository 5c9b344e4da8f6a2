import { createRouter } from '../../lib/router';
import { requireRole } from '../../middleware/auth';
import { getDatabaseOverviewHandler, listAlertsHandler, runJobNowHandler } from './system.handlers';
import { getDatabaseOverview, listAlerts, runJobNow } from './system.routes';

const router = createRouter();
router.use('/v1/admin/system/*', requireRole('super_admin'));

export const systemRouter = router
  .openapi(getDatabaseOverview, getDatabaseOverviewHandler)
  .openapi(runJobNow, runJobNowHandler)
  .openapi(listAlerts, listAlertsHandler);
