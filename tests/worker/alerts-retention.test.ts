import { eq, inArray } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { alertDigests, listingEvents, notificationQueue, properties, savedSearchMatches } from '../../src/db/schema';
import { testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { runNightly } from '../helpers/retention';
import { createTestSavedSearch, createVerifiedUser } from '../helpers/saved-searches';

const DAY = 24 * 3600 * 1000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
const tag = () => Math.random().toString(36).slice(2, 8);

type Purged = Record<string, { deleted: number; batches: number; more: boolean }>;

/** A listing with, besides what its creation recorded, old and recent matched events and an old unmatched one. */
async function alertHistory() {
  const db = testDb();
  const user = await createVerifiedUser();
  const city = `Retainville-${tag()}`;
  const instant = await createTestSavedSearch(user.id, { city }, { createdAt: ago(90) });
  const daily = await createTestSavedSearch(user.id, { city }, { frequency: 'daily', createdAt: ago(90) });
  const listing = await createTestProperty({ city });
  const events = { old: uuidv7(), recent: uuidv7(), unmatched: uuidv7() };
  const event = (id: string, createdAt: Date, matchedAt: Date | null) => ({
    id,
    propertyId: listing.id,
    kind: 'price_drop' as const,
    price: 100_000_00,
    previousPrice: 120_000_00,
    createdAt,
    matchedAt,
  });
  await db
    .insert(listingEvents)
    .values([
      event(events.old, ago(32), ago(31)),
      event(events.recent, ago(29), ago(29)),
      event(events.unmatched, ago(60), null),
    ]);
  const digests = { old: uuidv7(), recent: uuidv7() };
  const digest = (id: string, periodStart: string, createdAt: Date) => ({
    id,
    userId: user.id,
    frequency: 'daily' as const,
    periodStart,
    notificationId: uuidv7(),
    listings: 1,
    createdAt,
  });
  await db
    .insert(alertDigests)
    .values([digest(digests.old, '2020-01-01', ago(31)), digest(digests.recent, '2020-01-02', ago(29))]);
  const match = (savedSearchId: string, eventId: string, createdAt: Date, digestId: string | null) => ({
    savedSearchId,
    eventId,
    userId: user.id,
    propertyId: listing.id,
    kind: 'price_drop' as const,
    notificationId: digestId ? null : uuidv7(),
    digestId,
    createdAt,
  });
  await db
    .insert(savedSearchMatches)
    .values([
      match(instant.id, events.old, ago(31), null),
      match(daily.id, events.old, ago(31), digests.old),
      match(instant.id, events.recent, ago(29), null),
      match(daily.id, events.recent, ago(29), digests.recent),
    ]);
  return { listing, events, digests, searches: { instant, daily } };
}

async function left(history: Awaited<ReturnType<typeof alertHistory>>) {
  const db = testDb();
  const events = await db
    .select({ id: listingEvents.id })
    .from(listingEvents)
    .where(inArray(listingEvents.id, Object.values(history.events)));
  const matches = await db
    .select({ searchId: savedSearchMatches.savedSearchId, eventId: savedSearchMatches.eventId })
    .from(savedSearchMatches)
    .where(eq(savedSearchMatches.propertyId, history.listing.id));
  const digests = await db
    .select({ id: alertDigests.id })
    .from(alertDigests)
    .where(inArray(alertDigests.id, Object.values(history.digests)));
  return {
    events: events.map((r) => r.id).sort(),
    matches: matches.map((m) => `${m.searchId} ${m.eventId}`).sort(),
    digests: digests.map((r) => r.id).sort(),
  };
}

describe('retention of the alert tables (RETENTION_ALERTS_DAYS)', () => {
  it('deletes events matched, their matches and digests sent more than 30 days ago; keeps recent ones and unmatched events; a second run deletes nothing more', async () => {
    const history = await alertHistory();
    const { events, digests, searches } = history;

    const run = await runNightly();
    expect(run.status).toBe('succeeded');
    const result = run.result as { periods: { alertsDays: number }; deleted: Purged };
    expect(result.periods.alertsDays).toBe(30);
    expect(result.deleted.saved_search_matches?.deleted).toBeGreaterThanOrEqual(2);
    expect(result.deleted.listing_events?.deleted).toBeGreaterThanOrEqual(1);
    expect(result.deleted.alert_digests?.deleted).toBeGreaterThanOrEqual(1);

    const after = await left(history);
    expect(after.events).toEqual([events.recent, events.unmatched].sort());
    expect(after.matches).toEqual(
      [`${searches.instant.id} ${events.recent}`, `${searches.daily.id} ${events.recent}`].sort(),
    );
    expect(after.digests).toEqual([digests.recent]);

    const again = await runNightly();
    expect(again.status).toBe('succeeded');
    const deleted = (again.result as { deleted: Purged }).deleted;
    for (const table of ['saved_search_matches', 'listing_events', 'alert_digests']) {
      expect(deleted[table]).toEqual({ deleted: 0, batches: 1, more: false });
    }
    expect(await left(history)).toEqual(after);
    await testDb().delete(properties).where(eq(properties.id, history.listing.id));
  });

  it('deletes the matches in bounded batches ahead of their events and honours a longer period', async () => {
    const history = await alertHistory();
    const longer = await runNightly({ RETENTION_ALERTS_DAYS: '45' });
    expect(longer.status).toBe('succeeded');
    // Nothing here is 45 days old: everything stays.
    expect((await left(history)).digests).toEqual(Object.values(history.digests).sort());
    expect((await left(history)).matches).toHaveLength(4);

    const run = await runNightly({ RETENTION_BATCH_SIZE: '1' });
    const deleted = (run.result as { deleted: Purged }).deleted;
    // Two old matches at one per statement: at least three statements, the last one short.
    expect(deleted.saved_search_matches?.deleted).toBeGreaterThanOrEqual(2);
    expect(deleted.saved_search_matches?.batches).toBeGreaterThanOrEqual(3);
    expect(deleted.saved_search_matches?.more).toBe(false);
    expect((await left(history)).events).toEqual([history.events.recent, history.events.unmatched].sort());
    await testDb().delete(properties).where(eq(properties.id, history.listing.id));
  });

  it('deletes alert emails skipped at send time after RETENTION_NOTIFICATIONS_DAYS, like sent ones; keeps dead ones that failed', async () => {
    const note = (lastError: string, at: Date) => ({
      id: uuidv7(),
      kind: 'listing_alert',
      recipient: 'skipped@example.com',
      idempotencyKey: `retention-skipped-${uuidv7()}`,
      status: 'dead' as const,
      lastError,
      createdAt: at,
      updatedAt: at,
      nextAttemptAt: at,
    });
    const rows = {
      oldSkipped: note('skipped: alerts turned off', ago(31)),
      recentSkipped: note('skipped: alerts turned off', ago(29)),
      oldFailed: note('provider said no', ago(31)),
    };
    await testDb().insert(notificationQueue).values(Object.values(rows));
    expect((await runNightly()).status).toBe('succeeded');
    const kept = await testDb()
      .select({ id: notificationQueue.id })
      .from(notificationQueue)
      .where(
        inArray(
          notificationQueue.id,
          Object.values(rows).map((r) => r.id),
        ),
      );
    expect(kept.map((r) => r.id).sort()).toEqual([rows.recentSkipped.id, rows.oldFailed.id].sort());
  });

  it('refuses RETENTION_ALERTS_DAYS under 8 (a weekly digest must still find its matches)', async () => {
    const run = await runNightly({ RETENTION_ALERTS_DAYS: '7' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/RETENTION_ALERTS_DAYS/);
  });
});
