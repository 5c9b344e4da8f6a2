import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyticsEvents, inquiries } from '../../src/db/schema';
import type { Dashboard } from '../../src/services/analytics/dashboard';
import { dashboardQuery } from '../../src/services/analytics/dashboard';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import { createTestUser, type TestUser, uniqueEmail } from '../helpers/users';

let admin: TestUser;
const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

/**
 * A period in 2001 that only this file writes to, so every figure is exact even though other
 * test files share the database.
 */
let listingA: { id: string; slug: string; title: string };
let listingB: { id: string; slug: string; title: string };
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
  listingA = await createTestProperty({ title: 'Dashboard A' });
  listingB = await createTestProperty({ status: 'pending', title: 'Dashboard B' });
  const db = testDb();
  const view = (propertyId: string | null, iso: string) => ({
    id: uuidv7(),
    type: 'property_view',
    propertyId,
    createdAt: at(iso),
  });
  await db.insert(analyticsEvents).values([
    ...Array.from({ length: 5 }, (_, i) => view(listingA.id, `2001-03-0${5 + i}T10:00:00Z`)),
    ...Array.from({ length: 3 }, () => view(listingB.id, '2001-03-06T10:00:00Z')),
    view(null, '2001-03-07T10:00:00Z'),
    // The last second of the period's last day, and just outside it on both sides.
    view(listingA.id, '2001-03-10T23:59:59Z'),
    view(listingA.id, '2001-03-03T23:59:59Z'),
    view(listingA.id, '2001-03-11T00:00:00Z'),
    // Not a view.
    { id: uuidv7(), type: 'search', propertyId: listingA.id, createdAt: at('2001-03-06T10:00:00Z') },
  ]);
  const inquiry = (
    propertyId: string | null,
    iso: string,
    status: 'new' | 'contacted' | 'qualified' | 'spam' | 'closed',
    respondedAfterMs: number | null,
  ) => ({
    id: uuidv7(),
    propertyId,
    name: 'Dash Visitor',
    email: uniqueEmail('dash'),
    message: 'A message for the dashboard.',
    status,
    createdAt: at(iso),
    firstRespondedAt: respondedAfterMs === null ? null : new Date(Date.parse(iso) + respondedAfterMs),
  });
  await db
    .insert(inquiries)
    .values([
      inquiry(listingA.id, '2001-03-05T10:00:00Z', 'contacted', 2 * HOUR),
      inquiry(listingA.id, '2001-03-10T09:00:00Z', 'new', null),
      inquiry(listingB.id, '2001-03-05T23:30:00Z', 'spam', 4 * HOUR),
      inquiry(null, '2001-03-08T08:00:00Z', 'closed', 10 * HOUR),
      inquiry(listingA.id, '2001-03-03T12:00:00Z', 'qualified', HOUR),
    ]);
});

/** Counted now unless `stored` (other test files may have stored figures for the same window). */
async function dashboardResponse(query: string, options: { stored?: boolean; token?: string } = {}) {
  const headers: Record<string, string> = options.stored ? {} : { 'Cache-Control': 'no-cache' };
  const res = await api(`/v1/admin/dashboard${query}`, { token: options.token ?? admin.token, headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return res;
}

async function dashboard(
  query: string,
  options: { stored?: boolean } = {},
): Promise<Dashboard & { generatedAt: string }> {
  return json(await dashboardResponse(query, options));
}

function roundTrips(res: Response): number {
  return Number(/desc="(\d+) database round trips"/.exec(res.headers.get('Server-Timing') ?? '')?.[1]);
}

/** A window of its own (an empty day long ago), so no other test has stored figures for it. */
let windowCounter = 0;
function privateWindow(): string {
  windowCounter += 1;
  const day = new Date(Date.UTC(1970, 0, 1) + (Math.floor(Math.random() * 9000) * 16 + windowCounter) * 86_400_000);
  return `?days=1&until=${day.toISOString().slice(0, 10)}`;
}

describe('GET /v1/admin/dashboard', () => {
  it('GET /v1/admin/dashboard computes every figure of a period exactly', async () => {
    const d = await dashboard('?days=7&until=2001-03-10');
    expect(d.period).toEqual({ days: 7, from: '2001-03-04', to: '2001-03-10' });
    expect(d.inquiriesByStatus).toEqual({ new: 1, contacted: 1, qualified: 0, spam: 1, closed: 1 });
    expect(d.inquiriesPerDay).toEqual([
      { date: '2001-03-04', count: 0 },
      { date: '2001-03-05', count: 2 },
      { date: '2001-03-06', count: 0 },
      { date: '2001-03-07', count: 0 },
      { date: '2001-03-08', count: 1 },
      { date: '2001-03-09', count: 0 },
      { date: '2001-03-10', count: 1 },
    ]);
    expect(d.topViewedListings).toEqual([
      { propertyId: listingA.id, slug: listingA.slug, title: 'Dashboard A', status: 'active', views: 6, inquiries: 2 },
      { propertyId: listingB.id, slug: listingB.slug, title: 'Dashboard B', status: 'pending', views: 3, inquiries: 1 },
    ]);
    // The view without a listing (a deleted one) is not counted, like inquiries without one.
    expect(d.viewsToInquiries).toEqual({ views: 9, inquiries: 3, rate: 0.3333 });
    expect(d.firstResponse).toEqual({ medianSeconds: 4 * 3600, responded: 3 });
  });

  it('GET /v1/admin/dashboard with a one-day period counts only that UTC day', async () => {
    const d = await dashboard('?days=1&until=2001-03-05');
    expect(d.inquiriesPerDay).toEqual([{ date: '2001-03-05', count: 2 }]);
    expect(d.inquiriesByStatus).toMatchObject({ contacted: 1, spam: 1, new: 0 });
    expect(d.topViewedListings.map((t) => [t.title, t.views])).toEqual([['Dashboard A', 1]]);
    expect(d.firstResponse).toEqual({ medianSeconds: 3 * 3600, responded: 2 });
  });

  it('GET /v1/admin/dashboard for a period without activity has zeros and nulls, not errors', async () => {
    const d = await dashboard('?days=3&until=1990-01-01');
    expect(d.inquiriesPerDay).toEqual([
      { date: '1989-12-30', count: 0 },
      { date: '1989-12-31', count: 0 },
      { date: '1990-01-01', count: 0 },
    ]);
    expect(Object.values(d.inquiriesByStatus)).toEqual([0, 0, 0, 0, 0]);
    expect(d.topViewedListings).toEqual([]);
    expect(d.viewsToInquiries).toEqual({ views: 0, inquiries: 0, rate: null });
    expect(d.firstResponse).toEqual({ medianSeconds: null, responded: 0 });
  });

  it('GET /v1/admin/dashboard defaults to the last 30 days and reflects live traffic', async () => {
    const listing = await createTestProperty({ title: 'Dashboard live' });
    const ip = uniqueIp();
    // A client's views count once per listing per 30 minutes: 7 clients, 7 views.
    for (const client of [ip, ...Array.from({ length: 6 }, uniqueIp)]) {
      const events = Array.from({ length: 10 }, () => ({ type: 'property_view', propertyId: listing.id }));
      expect((await api('/v1/events', { json: { events }, ip: client })).status).toBe(202);
    }
    const res = await api('/v1/inquiries', {
      json: { propertyId: listing.id, name: 'Live', email: uniqueEmail('live'), message: 'Live dashboard inquiry.' },
      ip,
    });
    expect(res.status).toBe(201);

    const d = await dashboard('');
    expect(d.period.days).toBe(30);
    expect(d.inquiriesPerDay).toHaveLength(30);
    expect(d.inquiriesPerDay.at(-1)?.date).toBe(new Date().toISOString().slice(0, 10));
    expect(d.inquiriesPerDay.at(-1)?.count).toBeGreaterThanOrEqual(1);
    expect(d.topViewedListings.find((t) => t.propertyId === listing.id)).toMatchObject({ views: 7, inquiries: 1 });
    expect(d.viewsToInquiries.views).toBeGreaterThanOrEqual(7);
    expect(Object.keys(d.listingsByStatus).sort()).toEqual(
      ['active', 'draft', 'off_market', 'pending', 'rented', 'sold'].sort(),
    );
    expect(d.listingsByStatus.active).toBeGreaterThanOrEqual(1);
  });

  it('GET /v1/admin/dashboard counts views posted in parallel exactly (the rollup neither loses nor deadlocks)', async () => {
    const a = await createTestProperty({ title: 'Parallel A' });
    const b = await createTestProperty({ title: 'Parallel B' });
    // Opposite orders in alternate requests: the rollup upserts must not deadlock. Each request is
    // its own client, whose five views of a listing count as one.
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const pair = i % 2 === 0 ? [a.id, b.id] : [b.id, a.id];
        const events = pair.flatMap((propertyId) =>
          Array.from({ length: 5 }, () => ({ type: 'property_view', propertyId })),
        );
        return api('/v1/events', { json: { events }, ip: uniqueIp() });
      }),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(202));
    const { rows } = await testDb().execute<{ property_id: string; views: string }>(sql`
      select property_id, sum(views)::text as views from analytics_daily_views
      where property_id in (${a.id}, ${b.id}) group by property_id order by property_id`);
    expect(rows.map((r) => Number(r.views))).toEqual([12, 12]);
    const d = await dashboard('?days=1');
    expect(
      d.topViewedListings.filter((t) => t.propertyId === a.id || t.propertyId === b.id).map((t) => t.views),
    ).toEqual([12, 12]);
  });

  it('GET /v1/admin/dashboard is computed from indexes, not by scanning events or inquiries', async () => {
    const db = testDb();
    const [, plan] = await db.batch([
      db.execute(sql`set local enable_seqscan = off`),
      db.execute<{ 'QUERY PLAN': unknown }>(
        sql`explain (format json) ${dashboardQuery({ days: 30, lastDay: new Date().toISOString().slice(0, 10) })}`,
      ),
    ]);
    const text = JSON.stringify(plan.rows);
    const scans = [...text.matchAll(/"Node Type":"Seq Scan"[^}]*?"Relation Name":"(\w+)"/g)].map((m) => m[1]);
    expect(scans).not.toContain('analytics_events');
    expect(scans).not.toContain('inquiries');
    // Views come from the daily rollup's primary key, never from the events table.
    expect(text).not.toContain('analytics_events');
    expect(text).toContain('analytics_daily_views_day_property_id_pk');
  });

  it.each([
    ['?days=0'],
    ['?days=366'],
    ['?days=abc'],
    ['?days=1.5'],
    ['?until=yesterday'],
    ['?until=2001-03-10T18:00:00Z'],
  ])('GET /v1/admin/dashboard%s is a 422', async (query) => {
    await expectProblem(await api(`/v1/admin/dashboard${query}`, { token: admin.token }), 422, 'VALIDATION_FAILED');
  });

  it('GET /v1/admin/dashboard accepts the 365-day maximum', async () => {
    const d = await dashboard('?days=365');
    expect(d.inquiriesPerDay).toHaveLength(365);
  });

  it('GET /v1/admin/dashboard serves stored figures within the max age: one lookup, the same generatedAt, an Age header', async () => {
    const window = privateWindow();
    const first = await dashboardResponse(window, { stored: true });
    expect(roundTrips(first)).toBe(3); // session check, lookup (a miss), count and store
    const counted = await json<{ generatedAt: string }>(first);
    const second = await dashboardResponse(window, { stored: true });
    expect(roundTrips(second)).toBe(2); // session check and the lookup, in parallel
    const stored = await json<{ generatedAt: string; period: object }>(second);
    expect(stored.generatedAt).toBe(counted.generatedAt);
    // Stored as the text the query built: the keys keep their order for people reading it.
    expect(Object.keys(stored).slice(0, 3)).toEqual(['period', 'listingsByStatus', 'inquiriesByStatus']);
    expect(Object.keys(stored.period)).toEqual(['days', 'from', 'to']);
    expect(Number(second.headers.get('Age'))).toBeGreaterThanOrEqual(0);
    expect(Number(second.headers.get('Age'))).toBeLessThanOrEqual(60);
    expect(second.headers.get('Cache-Control')).toBe('no-store');
  });

  it('GET /v1/admin/dashboard with Cache-Control: no-cache counts now and replaces the stored figures', async () => {
    const listing = await createTestProperty({ title: 'Fresh please' });
    // A day of its own: the rest of the suite views listings today, and only ten make the top list.
    const window = privateWindow();
    const day = window.slice(window.indexOf('until=') + 6);
    await dashboard(window, { stored: true });
    await testDb()
      .insert(analyticsEvents)
      .values(
        Array.from({ length: 4 }, () => ({
          id: uuidv7(),
          type: 'property_view',
          propertyId: listing.id,
          createdAt: new Date(`${day}T12:00:00Z`),
        })),
      );
    const fresh = await dashboard(window);
    expect(fresh.topViewedListings.find((t) => t.propertyId === listing.id)?.views).toBe(4);
    // The recount was stored: a plain read now sees it too.
    const after = await dashboard(window, { stored: true });
    expect(after.generatedAt).toBe(fresh.generatedAt);
    expect(after.topViewedListings.find((t) => t.propertyId === listing.id)?.views).toBe(4);
  });

  it('stored figures older than the max age are counted again on the next read', async () => {
    const window = privateWindow();
    const first = await dashboard(window, { stored: true });
    await testDb().execute(sql`
      update dashboard_snapshots set computed_at = computed_at - interval '2 minutes'
      where days = 1 and last_day = ${first.period.to}::date`);
    const second = await dashboard(window, { stored: true });
    expect(Date.parse(second.generatedAt)).toBeGreaterThan(Date.parse(first.generatedAt) - 120_000);
    expect(second.generatedAt).not.toBe(first.generatedAt);
  });

  it('an ended session cannot make the API count: nothing is stored for it', async () => {
    const revoked = await createTestUser({ role: 'admin' });
    await testDb().execute(sql`update sessions set revoked_at = now() where id = ${revoked.sessionId}`);
    const window = privateWindow();
    const res = await api(`/v1/admin/dashboard${window}`, { token: revoked.token });
    await expectProblem(res, 401, 'SESSION_ENDED');
    const until = window.slice(window.indexOf('until=') + 6);
    const { rows } = await testDb().execute(sql`select 1 from dashboard_snapshots where last_day = ${until}::date`);
    expect(rows).toEqual([]);
  });

  it('the refresh job recounts windows admins watch, leaves unwatched ones and forgets those unread for a day', async () => {
    const superAdmin = await createTestUser({ role: 'super_admin' });
    const [watched, unwatched, abandoned] = [privateWindow(), privateWindow(), privateWindow()];
    const day = (w: string) => w.slice(w.indexOf('until=') + 6);
    for (const w of [watched, unwatched, abandoned]) await dashboard(w, { stored: true });
    const db = testDb();
    await db.execute(sql`update dashboard_snapshots set computed_at = now() - interval '10 minutes'
      where days = 1 and last_day in (${day(watched)}::date, ${day(unwatched)}::date, ${day(abandoned)}::date)`);
    await db.execute(sql`update dashboard_snapshots set read_at = now() - interval '1 hour'
      where days = 1 and last_day = ${day(unwatched)}::date`);
    await db.execute(sql`update dashboard_snapshots set read_at = now() - interval '2 days'
      where days = 1 and last_day = ${day(abandoned)}::date`);

    const run = await api('/v1/admin/system/jobs/refresh-dashboards', { method: 'POST', token: superAdmin.token });
    expect(run.status, await run.clone().text()).toBe(200);

    const { rows } = await db.execute<{ last_day: string; recent: boolean }>(sql`
      select to_char(last_day, 'YYYY-MM-DD') as last_day, computed_at > now() - interval '1 minute' as recent
      from dashboard_snapshots
      where days = 1 and last_day in (${day(watched)}::date, ${day(unwatched)}::date, ${day(abandoned)}::date)
      order by last_day`);
    const byDay = Object.fromEntries(rows.map((r) => [r.last_day, r.recent]));
    expect(byDay[day(watched)]).toBe(true);
    expect(byDay[day(unwatched)]).toBe(false);
    expect(day(abandoned) in byDay).toBe(false);
  });

  it('GET /v1/admin/dashboard without a token is a 401 and for a plain user a 403', async () => {
    await expectProblem(await api('/v1/admin/dashboard'), 401);
    const user = await createTestUser({ role: 'user' });
    await expectProblem(await api('/v1/admin/dashboard', { token: user.token }), 403, 'FORBIDDEN');
  });
});
