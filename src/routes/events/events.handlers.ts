import { clientIp, truncateIp } from '../../lib/ip';
import { recordClientEvents } from '../../services/analytics/record-client-events';
import type { AppRouteHandler } from '../shared/request-context';
import type { recordEventsRoute } from './events.routes';

export const recordEventsHandler: AppRouteHandler<typeof recordEventsRoute> = async (c) => {
  const { events } = c.req.valid('json');
  const accepted = await recordClientEvents(c.var.db, events, { ipAddress: truncateIp(clientIp(c)) });
  return c.json({ accepted }, 202);
};
