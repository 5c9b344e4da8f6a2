import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { listAuditEntries } from '../../services/audit/list';
import type { AppRouteHandler } from '../shared/request-context';
import type { listAuditRoute } from './admin-audit.routes';

export const listAuditHandler: AppRouteHandler<typeof listAuditRoute> = async (c) => {
  const page = await listAuditEntries(c.var.db, cursorSecret(getConfig(c.env)), c.req.valid('query'));
  c.header('Cache-Control', 'no-store');
  return c.json(page, 200);
};
