import { createRouter } from '../../lib/router';
import { listAuditHandler } from './admin-audit.handlers';
import { listAuditRoute } from './admin-audit.routes';

export const adminAuditRouter = createRouter().openapi(listAuditRoute, listAuditHandler);
