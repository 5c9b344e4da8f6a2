import { getConfig } from '../../env';
import { kickDrain } from '../../services/notifications/kick';
import type { RequestContext } from './request-context';

/** Sends the emails a request just queued, after its response; the every-minute drain covers a failure. */
export function sendSoon(c: RequestContext, ids: string[]): void {
  if (ids.length === 0) return;
  const sending = kickDrain(c.var.db, getConfig(c.env), c.var.logger, ids);
  if (sending) c.executionCtx.waitUntil(sending);
}
