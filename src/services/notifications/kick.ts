import type { Database } from '../../db/client';
import type { Config } from '../../env';
import type { Logger } from '../../lib/logger';
import { createEmailTransport } from '../email/create-transport';
import { drainNotifications, drainSettings } from './drain';

/**
 * Sends the rows a request just queued, after its response (through waitUntil), so the
 * email leaves within seconds. Never rejects: whatever fails here the cron drain retries.
 */
export async function kickDrain(db: Database, config: Config, logger: Logger, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    const transport = createEmailTransport(config, logger);
    await drainNotifications({ db, transport, logger, settings: drainSettings(config), ids, budgetMs: 20_000 });
  } catch (error) {
    logger.warn('immediate notification drain failed; the scheduled drain will retry', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
