import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../env';
import { clientIp, truncateIp } from '../../lib/ip';
import { recordClientEvents } from '../../services/analytics/record-client-events';
import type { recordEventsRoute } from './events.routes';

export const recordEventsHandler: RouteHandler<typeof recordEventsRoute, AppEnv> = async (c) => {
  const { events } = c.req.valid('json');
  const accepted = await recordClientEvents(c.get('db'), events, { ipAddress: truncateIp(clientIp(c)) });
  return c.json({ accepted }, 202);
};
