import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { savedSearches, users } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import { runScheduled } from '../../src/jobs/dispatcher';
import { cursorSecret } from '../../src/lib/cursor';
import { createLogger } from '../../src/lib/logger';
import { sendDigests } from '../../src/services/alerts/digest';
import { matchListingEvents } from '../../src/services/alerts/match';
import { createEmailTransport } from '../../src/services/email/create-transport';
import { drainNotifications, drainSettings } from '../../src/services/notifications/drain';
import { createUnsubscribeToken } from '../../src/services/saved-searches/unsubscribe-token';
import { api } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { createTestProperty } from '../helpers/listings';
import { createTestSavedSearch, createVerifiedUser, eventsOf } from '../helpers/saved-searches';
import { randomIp } from '../helpers/users';

const tag = () => Math.random().toString(36).slice(2, 8);
const config = testConfig();
const quiet = createLogger({}, 'error');

/** The listing's events fanned out: its alerts are queued, not sent yet. */
async function matched(propertyId: string) {
  await eventually(async () => {
    await matchListingEvents(testDb());
    return (await eventsOf([propertyId])).every((e) => e.matched);
  });
}

/** The every-minute cron, whose drain sends what is due. */
async function minuteCron() {
  const ctx = createExecutionContext();
  await runScheduled('* * * * *', env as unknown as Bindings, ctx);
  await waitOnExecutionContext(ctx);
}

async function queued(recipient: string) {
  const { rows } = await testDb().execute<{ kind: string; status: string; last_error: string | null; search: string }>(
    sql`select kind, status::text as status, last_error, coalesce(payload->>'searchId', '') as search
        from notification_queue where recipient = ${recipient} order by kind, payload->>'searchName'`,
  );
  return rows;
}

const sent = async (email: string) => (await sinkRequests(email)).filter((r) => !r.failed);

describe('alert emails are checked again when the drain sends them', () => {
  it('an instant alert whose search was unsubscribed between match and drain is not sent; the same user’s other search still is', async () => {
    const city = `Sendtime-${tag()}`;
    const user = await createVerifiedUser();
    const stopped = await createTestSavedSearch(user.id, { city }, { name: 'A stopped' });
    const kept = await createTestSavedSearch(user.id, { city }, { name: 'B kept' });
    const listing = await createTestProperty({ city, title: 'Garden flat' });
    await matched(listing.id);
    expect((await queued(user.email)).map((r) => r.status)).toEqual(['pending', 'pending']);

    // The user clicks "stop alerts" in an earlier email before the drain runs.
    const token = await createUnsubscribeToken(cursorSecret(config), stopped.id);
    const unsubscribe = await api('/v1/alerts/unsubscribe', { method: 'POST', ip: randomIp(), json: { token } });
    expect(unsubscribe.status).toBe(204);

    await minuteCron();
    expect(await queued(user.email)).toEqual([
      { kind: 'listing_alert', status: 'dead', last_error: 'skipped: alerts turned off', search: stopped.id },
      { kind: 'listing_alert', status: 'sent', last_error: null, search: kept.id },
    ]);
    const delivered = await eventually(async () => {
      const requests = await sent(user.email);
      return requests.length > 0 ? requests : undefined;
    });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.body?.text).toContain('"B kept"');
    expect(delivered[0]?.body?.text).not.toContain('A stopped');
  });

  it('an instant alert of a user disabled between match and drain is not sent', async () => {
    const city = `Sendtime-${tag()}`;
    const user = await createVerifiedUser();
    await createTestSavedSearch(user.id, { city });
    const listing = await createTestProperty({ city });
    await matched(listing.id);
    await testDb().update(users).set({ isActive: false }).where(eq(users.id, user.id));

    await minuteCron();
    expect((await queued(user.email)).map((r) => [r.status, r.last_error])).toEqual([
      ['dead', 'skipped: user no longer active'],
    ]);
    expect(await sent(user.email)).toEqual([]);
  });

  it('an instant alert whose search was deleted, or no longer alerts the event’s kind, is not sent', async () => {
    const city = `Sendtime-${tag()}`;
    const user = await createVerifiedUser();
    const deleted = await createTestSavedSearch(user.id, { city }, { name: 'A deleted' });
    const narrowed = await createTestSavedSearch(user.id, { city }, { name: 'B narrowed' });
    const listing = await createTestProperty({ city });
    await matched(listing.id);
    await testDb().delete(savedSearches).where(eq(savedSearches.id, deleted.id));
    await testDb()
      .update(savedSearches)
      .set({ alerts: ['price_drop'] })
      .where(eq(savedSearches.id, narrowed.id));

    await minuteCron();
    expect((await queued(user.email)).map((r) => [r.status, r.last_error])).toEqual([
      ['dead', 'skipped: saved search deleted'],
      ['dead', 'skipped: alert kind no longer wanted'],
    ]);
    expect(await sent(user.email)).toEqual([]);
  });

  it('a digest is not sent when its user lost the verified address, or all its searches were turned off, before the drain', async () => {
    const city = `Sendtime-${tag()}`;
    const unverified = await createVerifiedUser();
    const unsubscribed = await createVerifiedUser();
    const partly = await createVerifiedUser();
    const searches = {
      unverified: await createTestSavedSearch(unverified.id, { city }, { frequency: 'daily' }),
      unsubscribed: await createTestSavedSearch(unsubscribed.id, { city }, { frequency: 'daily' }),
      partlyOff: await createTestSavedSearch(partly.id, { city }, { frequency: 'daily', name: 'off' }),
      partlyOn: await createTestSavedSearch(partly.id, { city }, { frequency: 'daily', name: 'on' }),
    };
    const listing = await createTestProperty({ city, title: 'Digest house' });
    await matched(listing.id);
    await eventually(async () => {
      await sendDigests(testDb(), 'daily');
      return (await queued(partly.email)).length > 0 && (await queued(unverified.email)).length > 0;
    });
    await testDb().execute(sql`update users set email_verified_at = null where id = ${unverified.id}`);
    await testDb()
      .update(savedSearches)
      .set({ frequency: 'off' })
      .where(sql`${savedSearches.id} in (${searches.unsubscribed.id}, ${searches.partlyOff.id})`);

    // The drain alone, only these three emails (a request's kick drains its own rows the same way).
    const ids = await testDb().execute<{ id: string }>(
      sql`select id from notification_queue
          where recipient in (${unverified.email}, ${unsubscribed.email}, ${partly.email})`,
    );
    const result = await drainNotifications({
      db: testDb(),
      transport: createEmailTransport(config, quiet),
      logger: quiet,
      settings: drainSettings(config),
      ids: ids.rows.map((r) => r.id),
    });
    expect(result).toMatchObject({ claimed: 3, skipped: 2, sent: 1 });
    expect((await queued(unverified.email)).map((r) => [r.status, r.last_error])).toEqual([
      ['dead', 'skipped: email address not verified'],
    ]);
    expect((await queued(unsubscribed.email)).map((r) => [r.status, r.last_error])).toEqual([
      ['dead', 'skipped: alerts turned off'],
    ]);
    // One of its searches still alerts: the digest goes out.
    expect((await queued(partly.email)).map((r) => r.status)).toEqual(['sent']);
    await eventually(async () => ((await sent(partly.email)).length === 1 ? true : undefined));
    expect(await sent(unverified.email)).toEqual([]);
    expect(await sent(unsubscribed.email)).toEqual([]);
  });
});
