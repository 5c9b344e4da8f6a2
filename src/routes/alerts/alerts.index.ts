import { createRouter } from '../../lib/router';
import { unsubscribeHandler } from './alerts.handlers';
import { unsubscribeRoute } from './alerts.routes';

export const alertsRouter = createRouter().openapi(unsubscribeRoute, unsubscribeHandler);
