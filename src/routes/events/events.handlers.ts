import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { clientIp, truncateIp } from '../../lib/ip';
import { viewerKey } from '../../lib/viewer-key';
import { recordClientEvents } from '../../services/analytics/record-client-events';
import type { AppRouteHandler } from '../shared/request-context';
import type { recordEventsRoute } from './events.routes';

export const recordEventsHandler: AppRouteHandler<typeof recordEventsRoute> = async (c) => {
  const { events } = c.req.valid('json');
  const ip = clientIp(c);
  const accepted = await recordClientEvents(c.var.db, events, {
    ipAddress: truncateIp(ip),
    viewer: await viewerKey(cursorSecret(getConfig(c.env)), ip),
  });
  return c.json({ accepted }, 202);
};
