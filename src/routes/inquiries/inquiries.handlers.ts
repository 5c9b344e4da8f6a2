import { v7 as uuidv7 } from 'uuid';
import { getConfig } from '../../env';
import { clientIp, truncateIp } from '../../lib/ip';
import { createInquiry } from '../../services/inquiries/create-inquiry';
import { kickDrain } from '../../services/notifications/kick';
import type { AppRouteHandler } from '../shared/request-context';
import type { createInquiryRoute } from './inquiries.routes';

export const createInquiryHandler: AppRouteHandler<typeof createInquiryRoute> = async (c) => {
  const body = c.req.valid('json');
  // Honeypot: a bot that filled the hidden field gets a believable answer and nothing is stored.
  if (body.website) return c.json({ id: uuidv7(), status: 'new' as const }, 201);

  const db = c.var.db;
  const config = getConfig(c.env);
  const result = await createInquiry(
    db,
    {
      propertyId: body.propertyId ?? undefined,
      name: body.name,
      email: body.email,
      phone: body.phone ?? undefined,
      message: body.message,
    },
    {
      idempotencyKey: c.req.valid('header')['idempotency-key'],
      userId: c.var.auth?.userId ?? null,
      ipAddress: truncateIp(clientIp(c)),
      userAgent: c.req.header('User-Agent')?.slice(0, 512) ?? null,
    },
    {
      ackMaxPerRecipient: config.INQUIRY_ACK_MAX_PER_RECIPIENT,
      ackMaxPerNetwork: config.INQUIRY_ACK_MAX_PER_NETWORK,
      maxAdminRecipients: config.INQUIRY_MAX_ADMIN_RECIPIENTS,
      inbox: config.INQUIRY_INBOX,
    },
  );
  if (result.created) {
    const sending = kickDrain(db, config, c.var.logger, result.notificationIds);
    if (sending) c.executionCtx.waitUntil(sending);
  } else {
    c.header('Idempotent-Replayed', 'true');
  }
  return c.json({ id: result.id, status: result.status }, 201);
};
