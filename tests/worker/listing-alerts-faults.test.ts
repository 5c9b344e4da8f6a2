import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client';
import { properties, users } from '../../src/db/schema';
import { type Bindings, getConfig } from '../../src/env';
import { runScheduled } from '../../src/jobs/dispatcher';
import { sendDigests } from '../../src/services/alerts/digest';
import { matchListingEvents } from '../../src/services/alerts/match';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { faultControl, swallowStatement } from '../helpers/fault-proxy';
import { createTestSavedSearch, eventsOf, matchesOf } from '../helpers/saved-searches';
import { uniqueEmail } from '../helpers/users';

/**
 * Alert jobs cut mid-run by the fault proxy (scripts/local-db/fault-proxy.ts), as in
 * resilience-faults.test.ts: the jobs reach the database through the proxy, the fixtures and the
 * checks go straight to it. On PostgreSQL that is a database of its own; on PGlite the proxy
 * fronts the suite's shared database (so the jobs also see other files' rows; every check here
 * is about this file's users only).
 */
const faults = env as unknown as Bindings & {
  FAULT_DATABASE_URL: string;
  FAULT_DIRECT_URL: string;
};

const faultyEnv = (): Bindings => ({ ...faults, DATABASE_URL: faults.FAULT_DATABASE_URL });
/** The app's database through the proxy, and straight. */
const faulty = () => createDb(getConfig(faultyEnv()));
const direct = () => createDb({ ...getConfig(faults), DATABASE_URL: faults.FAULT_DIRECT_URL });

beforeAll(async () => {
  await faultControl('/reset', {});
});
afterEach(async () => {
  await faultControl('/reset', {});
});

const tag = () => Math.random().toString(36).slice(2, 8);

/** A visitor with a verified address, in the fault database. */
async function verifiedUser(): Promise<{ id: string; email: string }> {
  const id = uuidv7();
  const email = uniqueEmail('fault-alerts');
  await direct().insert(users).values({
    id,
    email,
    passwordHash: '$2a$04$faultalertsfaultalertsfaultalertsfaultalertsfaulta',
    name: 'Fault alerts',
    emailVerifiedAt: new Date(),
  });
  return { id, email };
}

/** An active listing inserted straight into the fault database (its new_listing event with it). */
async function activeListing(city: string): Promise<{ id: string }> {
  const id = uuidv7();
  await direct()
    .insert(properties)
    .values({
      id,
      slug: `fault-alert-${id}`,
      title: 'Fault alert home',
      propertyType: 'house',
      listingType: 'sale',
      status: 'active',
      price: 1_000_000,
      addressLine1: '1 Broken Pipe Lane',
      city,
      country: 'US',
    });
  return { id };
}

async function minuteCron() {
  const ctx = createExecutionContext();
  const outcomes = await runScheduled('* * * * *', faultyEnv(), ctx);
  await waitOnExecutionContext(ctx);
  return outcomes;
}

async function deliveredTo(email: string, count: number) {
  const requests = await eventually(async () => {
    const ok = (await sinkRequests(email)).filter((r) => !r.failed);
    return ok.length >= count ? ok : undefined;
  });
  // Give a duplicate, if any, the time to arrive: one more cron and drain.
  await minuteCron();
  return (await sinkRequests(email)).filter((r) => !r.failed).length === requests.length ? requests : [];
}

async function queuedFor(email: string, kind: string): Promise<number> {
  const result = await direct().execute<{ n: string | number }>(
    sql`select count(*) as n from notification_queue where recipient = ${email} and kind = ${kind}`,
  );
  return Number(result.rows[0]?.n ?? 0);
}

describe('faults: instant alerts are sent exactly once', () => {
  it('the matching statement commits but its reply is lost: the cron run fails, the rerun queues nothing more, each alert is sent once', async () => {
    const city = `Lostreply-${tag()}`;
    const user = await verifiedUser();
    const searches = [
      await createTestSavedSearch(user.id, { city }, { name: 'One' }, direct()),
      await createTestSavedSearch(user.id, { city }, { name: 'Two' }, direct()),
    ];
    const listing = await activeListing(city);
    const before = await faultControl('/state');
    await swallowStatement({ match: 'insert into saved_search_matches' });
    const first = await minuteCron();
    expect(first[0]).toMatchObject({ name: 'match-listing-alerts', status: 'failed' });
    expect((await faultControl('/state')).swallowed).toBe(before.swallowed + 1);
    // It ran: the matches and their emails were committed with the events marked.
    expect(
      await matchesOf(
        searches.map((s) => s.id),
        direct(),
      ),
    ).toHaveLength(2);
    expect((await eventsOf([listing.id], direct()))[0]?.matched).toBe(true);

    await faultControl('/reset', {});
    await minuteCron();
    const sent = await deliveredTo(user.email, 2);
    expect(sent).toHaveLength(2);
    expect(await queuedFor(user.email, 'listing_alert')).toBe(2);
  });

  it('the matching dies before its statement reaches the database: nothing is recorded, the rerun matches and sends once', async () => {
    const city = `Dropped-${tag()}`;
    const user = await verifiedUser();
    const search = await createTestSavedSearch(user.id, { city }, {}, direct());
    const listing = await activeListing(city);
    await swallowStatement({ match: 'insert into saved_search_matches', drop: true });
    await expect(matchListingEvents(faulty())).rejects.toThrow();
    // A concurrent run of the suite may have matched it meanwhile; if not, nothing of it is half-written.
    const matched = await matchesOf([search.id], direct());
    if (matched.length === 0) expect((await eventsOf([listing.id], direct()))[0]?.matched).toBe(false);

    await faultControl('/reset', {});
    await Promise.all([minuteCron(), minuteCron()]);
    const sent = await deliveredTo(user.email, 1);
    expect(sent).toHaveLength(1);
    expect(await matchesOf([search.id], direct())).toHaveLength(1);
    expect(await queuedFor(user.email, 'listing_alert')).toBe(1);
  });
});

describe('faults: digests are sent exactly once', () => {
  it('a digest run that dies half-way leaves the rest for the rerun; every user gets one digest', async () => {
    const city = `Halfway-${tag()}`;
    const visitors = [await verifiedUser(), await verifiedUser(), await verifiedUser()];
    const searches = await Promise.all(
      visitors.map((user) => createTestSavedSearch(user.id, { city }, { frequency: 'daily' }, direct())),
    );
    const listing = await activeListing(city);
    await eventually(async () => {
      await matchListingEvents(direct());
      return (
        (
          await matchesOf(
            searches.map((s) => s.id),
            direct(),
          )
        ).length === 3
      );
    });

    // One user per statement; the second statement is lost before it reaches the database.
    await swallowStatement({ match: 'insert into alert_digests', skip: 1, drop: true });
    await expect(sendDigests(faulty(), 'daily', { usersPerBatch: 1 })).rejects.toThrow();
    await faultControl('/reset', {});
    // And a run whose reply is lost after it committed.
    await swallowStatement({ match: 'insert into alert_digests' });
    await expect(sendDigests(faulty(), 'daily', { usersPerBatch: 1 })).rejects.toThrow();
    await faultControl('/reset', {});

    await Promise.all([sendDigests(faulty(), 'daily'), sendDigests(faulty(), 'daily')]);
    const matches = await matchesOf(
      searches.map((s) => s.id),
      direct(),
    );
    expect(matches.every((m) => m.digestId !== null)).toBe(true);
    expect(matches.map((m) => m.propertyId)).toEqual([listing.id, listing.id, listing.id]);
    await minuteCron();
    for (const user of visitors) {
      expect(await queuedFor(user.email, 'alert_digest')).toBe(1);
      expect(await deliveredTo(user.email, 1)).toHaveLength(1);
    }
  });
});
