import type { Database } from '../../db/client';
import type { Config } from '../../env';
import { CoalescingBuffer } from '../../lib/coalescing-buffer';
import type { Logger } from '../../lib/logger';
import { createEmailTransport } from '../email/create-transport';
import { drainNotifications, drainSettings } from './drain';

/**
 * How long an isolate gathers freshly queued rows before sending them together: one claim and
 * one completion for all of them instead of per request (each request's own drain cost it more
 * than its insert). Short enough that the email still leaves at once to a person.
 */
export const KICK_WINDOW_MS = 200;
const MAX_KICKED = 100;

const queued = new CoalescingBuffer<string>(MAX_KICKED);

async function drainNow(db: Database, config: Config, logger: Logger, ids: string[]): Promise<void> {
  try {
    const transport = createEmailTransport(config, logger);
    await drainNotifications({ db, transport, logger, settings: drainSettings(config), ids, budgetMs: 20_000 });
  } catch (error) {
    logger.warn('immediate notification drain failed; the scheduled drain will retry', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Sends the rows a request just queued, after its response, together with those other requests
 * of this isolate queued in the same window. Returns the work to hand to `ctx.waitUntil`, or
 * null when an earlier request's window sends these rows. Never rejects: whatever fails here
 * the every-minute drain retries.
 */
export function kickDrain(db: Database, config: Config, logger: Logger, ids: string[]): Promise<void> | null {
  const work = ids
    .map((id) => queued.add(id, KICK_WINDOW_MS, (batch) => drainNow(db, config, logger, batch)))
    .filter((w): w is Promise<void> => w !== null);
  return work.length > 0 ? Promise.all(work).then(() => undefined) : null;
}
