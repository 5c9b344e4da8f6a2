import { matchListingEvents } from '../services/alerts/match';
import type { JobContext, JobResult } from './types';

/**
 * Every minute, before the drain: fans the new listing events out to the saved searches they
 * match and queues the instant alerts, which the drain right after sends.
 */
export async function runMatchListingAlerts({ db }: JobContext): Promise<JobResult> {
  const outcome = await matchListingEvents(db, { budgetMs: 20_000 });
  return { rowsAffected: outcome.matches, details: { ...outcome } };
}
