import { createRouter } from '../../lib/router';
import { dashboardHandler } from './dashboard.handlers';
import { dashboardRoute } from './dashboard.routes';

export const dashboardRouter = createRouter().openapi(dashboardRoute, dashboardHandler);
