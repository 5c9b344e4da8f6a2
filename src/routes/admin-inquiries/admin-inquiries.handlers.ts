import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { getInquiry } from '../../services/inquiries/get-inquiry';
import { listInquiries } from '../../services/inquiries/list-inquiries';
import { updateInquiry } from '../../services/inquiries/update-inquiry';
import { kickDrain } from '../../services/notifications/kick';
import { type AppRouteHandler, auditContext } from '../shared/request-context';
import type { getInquiryRoute, listInquiriesRoute, patchInquiryRoute } from './admin-inquiries.routes';

export const listInquiriesHandler: AppRouteHandler<typeof listInquiriesRoute> = async (c) => {
  const page = await listInquiries(c.var.db, cursorSecret(getConfig(c.env)), c.req.valid('query'));
  c.header('Cache-Control', 'no-store');
  return c.json(page, 200);
};

export const getInquiryHandler: AppRouteHandler<typeof getInquiryRoute> = async (c) => {
  const inquiry = await getInquiry(c.var.db, c.req.valid('param').id);
  c.header('Cache-Control', 'no-store');
  return c.json(inquiry, 200);
};

export const patchInquiryHandler: AppRouteHandler<typeof patchInquiryRoute> = async (c) => {
  const db = c.var.db;
  const { id } = c.req.valid('param');
  const { notificationIds } = await updateInquiry(
    db,
    id,
    c.req.valid('json'),
    c.var.auth.userId,
    auditContext(c, c.var.auth.userId),
  );
  if (notificationIds.length > 0) {
    const sending = kickDrain(db, getConfig(c.env), c.var.logger, notificationIds);
    if (sending) c.executionCtx.waitUntil(sending);
  }
  return c.json(await getInquiry(db, id), 200);
};
