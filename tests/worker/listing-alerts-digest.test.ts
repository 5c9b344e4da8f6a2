import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { properties, savedSearches } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import { runScheduled } from '../../src/jobs/dispatcher';
import { cursorSecret } from '../../src/lib/cursor';
import { digestKey, sendDigests } from '../../src/services/alerts/digest';
import { matchListingEvents } from '../../src/services/alerts/match';
import { readUnsubscribeToken } from '../../src/services/saved-searches/unsubscribe-token';
import { api } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { createTestProperty } from '../helpers/listings';
import { createTestSavedSearch, createVerifiedUser, eventsOf, matchesOf } from '../helpers/saved-searches';
import { randomIp } from '../helpers/users';

const tag = () => Math.random().toString(36).slice(2, 8);
const config = testConfig();
const db = () => testDb();

async function matchAll(propertyIds: string[]) {
  await eventually(async () => {
    await matchListingEvents(db());
    return (await eventsOf(propertyIds)).every((e) => e.matched);
  });
}

async function drain() {
  const ctx = createExecutionContext();
  await runScheduled('* * * * *', env as unknown as Bindings, ctx);
  await waitOnExecutionContext(ctx);
}

async function delivered(email: string, atLeast = 1) {
  return eventually(async () => {
    const requests = (await sinkRequests(email)).filter((r) => !r.failed);
    return requests.length >= atLeast ? requests : undefined;
  });
}

async function digestsOf(userId: string) {
  const rows = await db().execute<{ frequency: string; period_start: string; listings: number }>(
    sql`select frequency, period_start::text as period_start, listings from alert_digests where user_id = ${userId} order by frequency`,
  );
  return rows.rows;
}

describe('digests: one email per user and period', () => {
  it('lists at most 20 distinct listings, newest first, counts the rest and links every search', async () => {
    const city = `Digestville-${tag()}`;
    const user = await createVerifiedUser();
    const houses = await createTestSavedSearch(
      user.id,
      { city, propertyType: 'house' },
      { name: 'Houses', frequency: 'daily' },
    );
    const cheap = await createTestSavedSearch(
      user.id,
      { city, maxPrice: 1_000_000_00 },
      { name: 'Cheap', frequency: 'daily' },
    );
    const listings = [];
    for (let i = 0; i < 24; i += 1) {
      listings.push(await createTestProperty({ city, title: `Digest home ${i}`, price: 500_000_00 + i }));
    }
    // The first listing drops its price last: it is the newest, and still appears once.
    const first = listings[0];
    if (!first) throw new Error('no listing');
    await db().update(properties).set({ price: 100_000_00 }).where(eq(properties.id, first.id));
    await matchAll(listings.map((l) => l.id));
    expect(await matchesOf([houses.id, cheap.id])).toHaveLength(24 * 2 + 1 * 0 + 2);

    const outcome = await sendDigests(db(), 'daily');
    expect(outcome.digests).toBeGreaterThanOrEqual(1);
    expect((await matchesOf([houses.id, cheap.id])).every((m) => m.digestId !== null)).toBe(true);
    expect(await digestsOf(user.id)).toEqual([
      { frequency: 'daily', period_start: new Date().toISOString().slice(0, 10), listings: 24 },
    ]);

    await drain();
    const [email] = await delivered(user.email);
    const text = email?.body?.text ?? '';
    expect(email?.body?.subject).toBe('Your daily alert digest: 24 listings');
    const titles = [...text.matchAll(/: (Digest home \d+)\n/g)].map((m) => m[1]);
    expect(titles).toEqual(['Digest home 0', ...Array.from({ length: 19 }, (_, i) => `Digest home ${23 - i}`)]);
    expect(text).toContain('Price drop: Digest home 0\n  $100,000 (was $500,000)');
    expect(text).toContain('And 4 more');
    expect(text).toContain(`All results for "Houses": ${config.APP_URL}/properties?city=${city}&propertyType=house`);
    expect(text).toContain(`All results for "Cheap": ${config.APP_URL}/properties?city=${city}&maxPrice=100000000`);
    for (const l of listings.slice(5)) expect(text).toContain(`${config.APP_URL}/properties/${l.slug}`);

    const headers = email?.body?.headers ?? {};
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    // RFC 8058: exactly one one-click URL, and it names every search of the digest.
    const oneClicks = [...(headers['List-Unsubscribe'] ?? '').matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? '');
    expect(oneClicks).toHaveLength(1);
    const oneClick = new URL(oneClicks[0] ?? '');
    const ids = await readUnsubscribeToken(cursorSecret(config), oneClick.searchParams.get('token') ?? '');
    expect(ids?.sort()).toEqual([houses.id, cheap.id].sort());

    const stamped = await db()
      .select({ at: savedSearches.lastAlertedAt })
      .from(savedSearches)
      .where(inArray(savedSearches.id, [houses.id, cheap.id]));
    expect(stamped.every((s) => s.at !== null)).toBe(true);

    // The same period again: nothing more, even with a new match waiting.
    const late = await createTestProperty({ city, title: 'Late home' });
    await matchAll([late.id]);
    await sendDigests(db(), 'daily');
    await drain();
    expect(await digestsOf(user.id)).toHaveLength(1);
    expect((await sinkRequests(user.email)).filter((r) => !r.failed)).toHaveLength(1);
    // The next day's digest takes it.
    await sendDigests(db(), 'daily', { now: new Date(Date.now() + 24 * 3600_000) });
    await drain();
    const both = await delivered(user.email, 2);
    expect(both[1]?.body?.subject).toBe('Your daily alert digest: 1 listing');
    expect(both[1]?.body?.text).toContain('Late home');

    // The mail client's one-click POST to that URL turns off both searches of the digest.
    const res = await api(`${oneClick.pathname}${oneClick.search}`, {
      method: 'POST',
      ip: randomIp(),
      body: 'List-Unsubscribe=One-Click',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(204);
    const after = await db()
      .select({ frequency: savedSearches.frequency })
      .from(savedSearches)
      .where(inArray(savedSearches.id, [houses.id, cheap.id]));
    expect(after.map((r) => r.frequency)).toEqual(['off', 'off']);
  });

  it('a search switched from daily to instant keeps its waiting matches: the next daily digest takes them', async () => {
    const city = `Switchville-${tag()}`;
    const user = await createVerifiedUser();
    const search = await createTestSavedSearch(user.id, { city }, { frequency: 'daily' });
    const listing = await createTestProperty({ city, title: 'Waiting home' });
    await matchAll([listing.id]);
    await db().update(savedSearches).set({ frequency: 'instant' }).where(eq(savedSearches.id, search.id));
    await sendDigests(db(), 'daily');
    await drain();
    const [email] = await delivered(user.email);
    expect(email?.body?.subject).toBe('Your daily alert digest: 1 listing');
    expect(email?.body?.text).toContain('Waiting home');
    const matches = await matchesOf([search.id]);
    expect(matches).toHaveLength(1);
    expect(matches.every((m) => m.digestId !== null)).toBe(true);
  });

  it('two digest runs at once queue one email', async () => {
    const city = `Twinville-${tag()}`;
    const user = await createVerifiedUser();
    const search = await createTestSavedSearch(user.id, { city }, { frequency: 'daily' });
    const listing = await createTestProperty({ city });
    await matchAll([listing.id]);
    await Promise.all([sendDigests(db(), 'daily'), sendDigests(db(), 'daily'), sendDigests(db(), 'daily')]);
    const queued = await db().execute<{ n: string | number }>(
      sql`select count(*) as n from notification_queue where recipient = ${user.email} and kind = 'alert_digest'`,
    );
    expect(Number(queued.rows[0]?.n)).toBe(1);
    const [digest] = await digestsOf(user.id);
    const key = await db().execute<{ idempotency_key: string }>(
      sql`select idempotency_key from notification_queue where recipient = ${user.email}`,
    );
    expect(key.rows[0]?.idempotency_key).toBe(digestKey(user.id, 'daily', digest?.period_start ?? ''));
    expect(await digestsOf(user.id)).toHaveLength(1);
    expect((await matchesOf([search.id])).every((m) => m.digestId !== null)).toBe(true);
  });

  it('weekly searches wait for the weekly digest; an address unverified since the match gets none', async () => {
    const city = `Weekville-${tag()}`;
    const user = await createVerifiedUser();
    const weekly = await createTestSavedSearch(user.id, { city }, { frequency: 'weekly' });
    const lapsed = await createVerifiedUser();
    const lapsedSearch = await createTestSavedSearch(lapsed.id, { city }, { frequency: 'daily' });
    const listing = await createTestProperty({ city });
    await matchAll([listing.id]);
    await db().execute(sql`update users set email_verified_at = null where id = ${lapsed.id}`);

    await sendDigests(db(), 'daily');
    expect(await digestsOf(user.id)).toEqual([]);
    expect(await digestsOf(lapsed.id)).toEqual([]);
    expect((await matchesOf([lapsedSearch.id]))[0]?.digestId).toBeNull();

    const outcome = await sendDigests(db(), 'weekly', { now: new Date('2026-06-04T07:00:00Z') });
    expect(outcome.periodStart).toBe('2026-06-01');
    expect(await digestsOf(user.id)).toEqual([{ frequency: 'weekly', period_start: '2026-06-01', listings: 1 }]);
    expect((await matchesOf([weekly.id]))[0]?.digestId).not.toBeNull();
  });
});
