import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { properties } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import { runScheduled } from '../../src/jobs/dispatcher';
import { cursorSecret } from '../../src/lib/cursor';
import { instantAlertKey, matchListingEvents } from '../../src/services/alerts/match';
import { createUnsubscribeToken, readUnsubscribeToken } from '../../src/services/saved-searches/unsubscribe-token';
import { api } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { createTestProperty } from '../helpers/listings';
import { createTestSavedSearch, createVerifiedUser, matchesOf } from '../helpers/saved-searches';

const tag = () => Math.random().toString(36).slice(2, 8);
const config = testConfig();

/** The every-minute cron: the matching, then the drain that sends what it queued. */
async function minuteCron() {
  const ctx = createExecutionContext();
  const outcomes = await runScheduled('* * * * *', env as unknown as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  return outcomes;
}

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('token') ?? '';
}

describe('instant alerts: queued with the match, sent by the minute cron', () => {
  it('one email per matching search and event, naming the listing with its link, price, unsubscribe link and headers', async () => {
    const city = `Instantville-${tag()}`;
    const user = await createVerifiedUser();
    const search = await createTestSavedSearch(
      user.id,
      { city, maxPrice: 600_000_00 },
      { name: 'Family <homes> & more' },
    );
    const listing = await createTestProperty({
      city,
      price: 550_000_00,
      title: 'Sunny cottage <b>by</b> the "lake"',
      status: 'draft',
    });
    await testDb().update(properties).set({ status: 'active' }).where(eq(properties.id, listing.id));

    const outcomes = await minuteCron();
    expect(outcomes.map((o) => o.name).slice(0, 2)).toEqual(['match-listing-alerts', 'drain-notifications']);
    const [request] = await eventually(async () => {
      const delivered = (await sinkRequests(user.email)).filter((r) => !r.failed);
      return delivered.length > 0 ? delivered : undefined;
    });
    const body = request?.body;
    expect(body?.subject).toBe('New listing: Sunny cottage <b>by</b> the "lake"');
    const listingLink = `${config.APP_URL}/properties/${listing.slug}`;
    expect(body?.text).toContain(listingLink);
    expect(body?.text).toContain('$550,000');
    expect(body?.text).toContain('"Family <homes> & more"');
    // HTML: every value escaped, the listing linked by its title.
    expect(body?.html).toContain(
      `<a href="${listingLink}">Sunny cottage &lt;b&gt;by&lt;/b&gt; the &quot;lake&quot;</a>`,
    );
    expect(body?.html).not.toContain('<b>by</b>');
    expect(body?.html).toContain('Family &lt;homes&gt; &amp; more');

    const page = /(https?:\/\/\S+\/unsubscribe\?token=\S+)/.exec(body?.text ?? '')?.[1] ?? '';
    expect(page.startsWith(`${config.APP_URL}/unsubscribe?token=`)).toBe(true);
    expect(await readUnsubscribeToken(cursorSecret(config), tokenOf(page))).toEqual([search.id]);

    const headers = body?.headers ?? {};
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const oneClick = /^<(.+)>$/.exec(headers['List-Unsubscribe'] ?? '')?.[1] ?? '';
    expect(oneClick.startsWith(`${config.API_URL}/v1/alerts/unsubscribe?token=`)).toBe(true);
    expect(await readUnsubscribeToken(cursorSecret(config), tokenOf(oneClick))).toEqual([search.id]);

    // A rerun of the cron sends nothing more.
    await minuteCron();
    expect((await sinkRequests(user.email)).filter((r) => !r.failed)).toHaveLength(1);
  });

  it('a price drop shows the new and the old price; a price rise alerts nobody', async () => {
    const city = `Dropville-${tag()}`;
    const user = await createVerifiedUser();
    await createTestSavedSearch(user.id, { city }, { alerts: ['price_drop'] });
    const listing = await createTestProperty({ city, price: 400_000_00, title: 'Harbor loft' });
    await testDb().update(properties).set({ price: 450_000_00 }).where(eq(properties.id, listing.id));
    await testDb().update(properties).set({ price: 380_000_00 }).where(eq(properties.id, listing.id));
    await minuteCron();
    const delivered = await eventually(async () => {
      const requests = (await sinkRequests(user.email)).filter((r) => !r.failed);
      return requests.length > 0 ? requests : undefined;
    });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.body?.subject).toBe('Price drop: Harbor loft, now $380,000');
    expect(delivered[0]?.body?.text).toContain('$380,000 (was $450,000)');
    expect(delivered[0]?.body?.html).toContain('<s>$450,000</s>');
  });

  it('the queue holds no link and no token: only the search id, the links are made when the email is sent', async () => {
    const city = `Quietville-${tag()}`;
    const user = await createVerifiedUser();
    const search = await createTestSavedSearch(user.id, { city });
    const listing = await createTestProperty({ city });
    await eventually(async () => {
      await matchListingEvents(testDb());
      return (await matchesOf([search.id])).length > 0;
    });
    const queued = await testDb().execute<{ payload: Record<string, unknown>; idempotency_key: string }>(
      sql`select payload, idempotency_key from notification_queue where recipient = ${user.email}`,
    );
    expect(queued.rows).toHaveLength(1);
    const row = queued.rows[0];
    expect(row?.payload).toMatchObject({ searchId: search.id, slug: listing.slug, kind: 'new_listing' });
    expect(JSON.stringify(row?.payload)).not.toMatch(/token|https?:/);
    const [match] = await matchesOf([search.id]);
    expect(row?.idempotency_key).toBe(instantAlertKey(search.id, match?.eventId ?? ''));
  });
});

// The drain's send-time check (services/alerts/send-time-check.ts) ends such an email unsent.
describe('an instant alert queued before its search stopped alerting', () => {
  it.each([
    ['unsubscribed', 'unsubscribe'],
    ['switched off', 'off'],
    ['deleted', 'delete'],
  ] as const)('is not sent once the search is %s', async (_label, how) => {
    const city = `Stopville-${tag()}`;
    const user = await createVerifiedUser();
    const search = await createTestSavedSearch(user.id, { city });
    await createTestProperty({ city });
    await eventually(async () => {
      await matchListingEvents(testDb());
      return (await matchesOf([search.id])).length > 0;
    });
    if (how === 'unsubscribe') {
      const token = await createUnsubscribeToken(cursorSecret(config), search.id);
      expect((await api('/v1/alerts/unsubscribe', { method: 'POST', json: { token } })).status).toBe(204);
    } else {
      const res = await api(`/v1/me/saved-searches/${search.id}`, {
        method: how === 'off' ? 'PATCH' : 'DELETE',
        token: user.token,
        ...(how === 'off' ? { json: { frequency: 'off' } } : {}),
      });
      expect(res.status).toBe(how === 'off' ? 200 : 204);
    }
    await minuteCron();
    const { rows } = await testDb().execute<{ status: string }>(
      sql`select status from notification_queue where recipient = ${user.email}`,
    );
    expect(rows.filter((r) => r.status === 'sent')).toEqual([]);
    expect((await sinkRequests(user.email)).filter((r) => !r.failed)).toEqual([]);
  });
});

describe('only the owner stops a search’s queued alert', () => {
  it("another user's PATCH to off or DELETE of the search (404) leaves its queued email to be sent", async () => {
    const city = `Keepville-${tag()}`;
    const owner = await createVerifiedUser();
    const other = await createVerifiedUser();
    const search = await createTestSavedSearch(owner.id, { city });
    await createTestProperty({ city });
    await eventually(async () => {
      await matchListingEvents(testDb());
      return (await matchesOf([search.id])).length > 0;
    });
    const path = `/v1/me/saved-searches/${search.id}`;
    expect((await api(path, { method: 'PATCH', token: other.token, json: { frequency: 'off' } })).status).toBe(404);
    expect((await api(path, { method: 'DELETE', token: other.token })).status).toBe(404);
    const { rows } = await testDb().execute<{ status: string }>(
      sql`select status from notification_queue where recipient = ${owner.email}`,
    );
    expect(rows).toHaveLength(1);
    await minuteCron();
    await eventually(async () => {
      const delivered = (await sinkRequests(owner.email)).filter((r) => !r.failed);
      return delivered.length === 1 ? delivered : undefined;
    });
  });
});
