import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { Config } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import type { Logger } from '../../lib/logger';
import { skipUnwantedAlerts } from '../alerts/send-time-check';
import { EmailSendError, type EmailTransport } from '../email/transport';
import { type ClaimedNotification, claimNotifications } from './claim';
import { markFailed, markSent, type RetryPolicy } from './complete';
import { type RenderContext, renderNotification } from './templates';

export interface DrainSettings extends RetryPolicy {
  batchSize: number;
  leaseSeconds: number;
  /** The origins and the unsubscribe secret alert templates build their links from. */
  render: RenderContext;
}

export function drainSettings(config: Config): DrainSettings {
  return {
    batchSize: config.NOTIFICATION_BATCH_SIZE,
    leaseSeconds: config.NOTIFICATION_LEASE_SECONDS,
    maxAttempts: config.NOTIFICATION_MAX_ATTEMPTS,
    backoffBaseSeconds: config.NOTIFICATION_BACKOFF_BASE_SECONDS,
    backoffMaxSeconds: Math.max(config.NOTIFICATION_BACKOFF_MAX_SECONDS, config.NOTIFICATION_BACKOFF_BASE_SECONDS),
    render: { appUrl: config.APP_URL, apiUrl: config.API_URL, unsubscribeSecret: cursorSecret(config) },
  };
}

export interface DrainOptions {
  db: Database;
  transport: EmailTransport;
  logger: Logger;
  settings: DrainSettings;
  workerId?: string;
  /** Only these rows (right after the request that queued them). */
  ids?: string[];
  /** Stop claiming new batches after this many milliseconds (a job must end before its lease). */
  budgetMs?: number;
  maxBatches?: number;
  /** Sends in flight at once within a batch. */
  concurrency?: number;
}

export interface DrainResult {
  claimed: number;
  sent: number;
  retrying: number;
  dead: number;
  /** Alert emails ended unsent: unwanted by the time they were due (skipUnwantedAlerts). */
  skipped: number;
  /** Rows whose lease another worker took over before we finished (their outcome stands). */
  lost: number;
}

/** Claims due notifications batch by batch and sends each one exactly through the transport. */
export async function drainNotifications(options: DrainOptions): Promise<DrainResult> {
  const { db, transport, logger, settings } = options;
  const workerId = options.workerId ?? `drain-${uuidv7()}`;
  const started = Date.now();
  const budgetMs = options.budgetMs ?? 30_000;
  const maxBatches = options.maxBatches ?? 100;
  const concurrency = Math.max(1, options.concurrency ?? 5);
  const result: DrainResult = { claimed: 0, sent: 0, retrying: 0, dead: 0, skipped: 0, lost: 0 };

  function count(outcome: 'sent' | 'pending' | 'dead' | 'lost'): void {
    if (outcome === 'sent') result.sent += 1;
    else if (outcome === 'pending') result.retrying += 1;
    else if (outcome === 'dead') result.dead += 1;
    else result.lost += 1;
  }

  /** Sends one row; a failure is recorded at once, a success is left to the batch's markSent. */
  async function deliver(row: ClaimedNotification): Promise<boolean> {
    let email: Awaited<ReturnType<typeof renderNotification>>;
    try {
      email = await renderNotification(row.kind, row.payload, settings.render);
    } catch (error) {
      const message = `rendering failed: ${error instanceof Error ? error.message : String(error)}`;
      count(await markFailed(db, row.id, workerId, message, false, settings));
      return false;
    }
    if (!email) {
      count(await markFailed(db, row.id, workerId, `unknown notification kind ${row.kind}`, false, settings));
      return false;
    }
    try {
      await transport.send({ to: row.recipient, ...email, idempotencyKey: row.idempotencyKey });
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryable = error instanceof EmailSendError ? error.retryable : true;
      const outcome = await markFailed(db, row.id, workerId, message, retryable, settings);
      count(outcome);
      logger.warn('notification send failed', {
        notificationId: row.id,
        attempts: row.attempts,
        outcome,
        error: message,
      });
      return false;
    }
  }

  for (let batch = 0; batch < maxBatches && Date.now() - started < budgetMs; batch += 1) {
    const rows = await claimNotifications(db, {
      workerId,
      limit: settings.batchSize,
      leaseSeconds: settings.leaseSeconds,
      ids: options.ids,
    });
    result.claimed += rows.length;
    const skipped = await skipUnwantedAlerts(db, rows, workerId);
    result.skipped += skipped.size;
    const queue = rows.filter((row) => !skipped.has(row.id));
    const delivered: string[] = [];
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let row = queue.shift(); row; row = queue.shift()) if (await deliver(row)) delivered.push(row.id);
      }),
    );
    // One statement for the batch's successes. A crash before it leaves them 'sending' until
    // their lease ends; the retry carries the same idempotency key, so the provider sends once.
    const marked = await markSent(db, delivered, workerId);
    for (const id of delivered) count(marked.has(id) ? 'sent' : 'lost');
    if (rows.length < settings.batchSize) break;
  }
  return result;
}
