import { sendDigests } from '../services/alerts/digest';
import type { DigestFrequency } from '../services/alerts/period';
import type { JobContext, JobResult } from './types';

/** Once a period: each user's digest of the matches their daily (or weekly) searches collected. */
export function alertDigestsJob(frequency: DigestFrequency) {
  return async ({ db }: JobContext): Promise<JobResult> => {
    const outcome = await sendDigests(db, frequency, { budgetMs: 10 * 60_000 });
    return { rowsAffected: outcome.digests, details: { ...outcome } };
  };
}
