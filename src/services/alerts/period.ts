/** The frequencies that are sent as a digest. */
export const DIGEST_FREQUENCIES = ['daily', 'weekly'] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];

/**
 * The period a digest run at `now` is for, as a date (UTC): the day itself (daily) or the
 * Monday of its ISO week (weekly). One digest per user, frequency and period.
 */
export function digestPeriodStart(frequency: DigestFrequency, now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (frequency === 'weekly') {
    const sinceMonday = (day.getUTCDay() + 6) % 7;
    day.setUTCDate(day.getUTCDate() - sinceMonday);
  }
  return day.toISOString().slice(0, 10);
}
