import type { RouteHandler } from '@hono/zod-openapi';
import { type AppEnv, getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { createLogger } from '../../lib/logger';
import { getInquiry } from '../../services/inquiries/get-inquiry';
import { listInquiries } from '../../services/inquiries/list-inquiries';
import { updateInquiry } from '../../services/inquiries/update-inquiry';
import { kickDrain } from '../../services/notifications/kick';
import type { getInquiryRoute, listInquiriesRoute, patchInquiryRoute } from './admin-inquiries.routes';

export const listInquiriesHandler: RouteHandler<typeof listInquiriesRoute, AppEnv> = async (c) => {
  const page = await listInquiries(c.get('db'), cursorSecret(getConfig(c.env)), c.req.valid('query'));
  c.header('Cache-Control', 'no-store');
  return c.json(page, 200);
};

export const getInquiryHandler: RouteHandler<typeof getInquiryRoute, AppEnv> = async (c) => {
  const inquiry = await getInquiry(c.get('db'), c.req.valid('param').id);
  c.header('Cache-Control', 'no-store');
  return c.json(inquiry, 200);
};

export const patchInquiryHandler: RouteHandler<typeof patchInquiryRoute, AppEnv> = async (c) => {
  const db = c.get('db');
  const { id } = c.req.valid('param');
  const auth = c.get('auth');
  if (!auth) throw new Error('requireRole must run before this handler');
  const { notificationIds } = await updateInquiry(db, id, c.req.valid('json'), auth.userId);
  if (notificationIds.length > 0) {
    const config = getConfig(c.env);
    const logger = createLogger({ requestId: c.get('requestId') }, config.LOG_LEVEL);
    const sending = kickDrain(db, config, logger, notificationIds);
    if (sending) c.executionCtx.waitUntil(sending);
  }
  return c.json(await getInquiry(db, id), 200);
};
