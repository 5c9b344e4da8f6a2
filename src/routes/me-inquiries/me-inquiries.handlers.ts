import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { listMyInquiries } from '../../services/inquiries/my-inquiries';
import type { AppRouteHandler } from '../shared/request-context';
import type { listMyInquiriesRoute } from './me-inquiries.routes';

export const listMyInquiriesHandler: AppRouteHandler<typeof listMyInquiriesRoute> = async (c) => {
  const { limit, cursor } = c.req.valid('query');
  const page = await listMyInquiries(c.var.db, c.var.auth.userId, { limit, cursor }, cursorSecret(getConfig(c.env)));
  return c.json(page, 200);
};
