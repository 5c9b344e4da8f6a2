import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { api, expectProblem, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testDb } from '../helpers/db';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import { createTestUser } from '../helpers/users';

async function eventsFor(propertyId: string) {
  const { rows } = await testDb().execute<{
    type: string;
    ip_address: string | null;
    metadata: Record<string, unknown>;
    user_id: string | null;
  }>(
    sql`select type, ip_address, metadata, user_id from analytics_events where property_id = ${propertyId} order by id`,
  );
  return rows;
}

async function dailyViews(propertyId: string): Promise<number> {
  const { rows } = await testDb().execute<{ n: string | number | null }>(
    sql`select sum(views) as n from analytics_daily_views where property_id = ${propertyId}`,
  );
  return Number(rows[0]?.n ?? 0);
}

describe('POST /v1/events', () => {
  it('POST /v1/events records a batch with a truncated IP only', async () => {
    const listing = await createTestProperty();
    const res = await api('/v1/events', {
      ip: '198.51.100.23',
      json: {
        events: [
          { type: 'property_view', propertyId: listing.id },
          { type: 'photo_view', propertyId: listing.id, metadata: { index: 3, zoomed: true } },
          { type: 'contact_click', propertyId: listing.id, metadata: { channel: 'phone', note: null } },
        ],
      },
    });
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ accepted: 3 });
    const rows = await eventsFor(listing.id);
    expect(rows.map((r) => r.type)).toEqual(['property_view', 'photo_view', 'contact_click']);
    expect(rows.every((r) => r.ip_address === '198.51.100.0/24')).toBe(true);
    expect(rows[1]?.metadata).toEqual({ index: 3, zoomed: true });
    expect(rows.every((r) => r.user_id === null)).toBe(true);
  });

  it('POST /v1/events stores an IPv6 address as its /48', async () => {
    const listing = await createTestProperty();
    const res = await api('/v1/events', {
      ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348',
      json: { events: [{ type: 'map_open', propertyId: listing.id }] },
    });
    expect(res.status).toBe(202);
    expect((await eventsFor(listing.id))[0]?.ip_address).toBe('2001:db8:85a3::/48');
  });

  it('POST /v1/events accepts events without a listing', async () => {
    const res = await api('/v1/events', {
      ip: uniqueIp(),
      json: { events: [{ type: 'search', metadata: { q: 'garden', city: 'Lisbon' } }, { type: 'listing_share' }] },
    });
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ accepted: 2 });
  });

  it('POST /v1/events drops events about unknown or draft listings but keeps the rest', async () => {
    const listing = await createTestProperty();
    const draft = await createTestProperty({ status: 'draft' });
    const res = await api('/v1/events', {
      ip: uniqueIp(),
      json: {
        events: [
          { type: 'property_view', propertyId: listing.id },
          { type: 'property_view', propertyId: draft.id },
          { type: 'property_view', propertyId: '01900000-0000-7000-8000-000000000001' },
        ],
      },
    });
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ accepted: 1 });
    expect(await eventsFor(draft.id)).toHaveLength(0);
  });

  it.each([
    ['an unknown type', { events: [{ type: 'purchase' }] }],
    ['a server-side type', { events: [{ type: 'inquiry_submitted' }] }],
    ['no events', { events: [] }],
    ['51 events', { events: Array.from({ length: 51 }, () => ({ type: 'search' })) }],
    ['a propertyId that is not a UUID', { events: [{ type: 'property_view', propertyId: 'x' }] }],
    ['an unknown event field', { events: [{ type: 'search', userId: 'someone-else' }] }],
    ['an unknown top-level field', { events: [{ type: 'search' }], extra: 1 }],
    ['nested metadata', { events: [{ type: 'search', metadata: { deep: { a: 1 } } }] }],
    [
      'metadata over 2 KB',
      {
        events: [
          {
            type: 'search',
            metadata: {
              a: 'x'.repeat(450),
              b: 'x'.repeat(450),
              c: 'x'.repeat(450),
              d: 'x'.repeat(450),
              e: 'x'.repeat(450),
            },
          },
        ],
      },
    ],
    [
      'metadata with 21 keys',
      {
        events: [{ type: 'search', metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) }],
      },
    ],
    ['a body that is an array', [{ type: 'search' }]],
  ])('POST /v1/events with %s is a 422', async (_label, body) => {
    await expectProblem(await api('/v1/events', { json: body, ip: uniqueIp() }), 422, 'VALIDATION_FAILED');
  });

  it('POST /v1/events with exactly 50 events is accepted', async () => {
    const listing = await createTestProperty();
    const events = Array.from({ length: 50 }, () => ({ type: 'photo_view', propertyId: listing.id }));
    const res = await api('/v1/events', { json: { events }, ip: uniqueIp() });
    expect(res.status).toBe(202);
    expect(await eventsFor(listing.id)).toHaveLength(50);
  });

  it("POST /v1/events counts one client's 500 views of a listing as one view per 30 minutes", async () => {
    const listing = await createTestProperty();
    const views = Array.from({ length: 50 }, () => ({ type: 'property_view', propertyId: listing.id }));
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xfffe + 1).toString(16)}:7`;
    let accepted = 0;
    for (let i = 0; i < 10; i += 1) {
      // Any address of one /64 is the same client.
      const res = await api('/v1/events', { json: { events: views }, ip: `${prefix}::${i + 1}` });
      expect(res.status).toBe(202);
      accepted += (await json<{ accepted: number }>(res)).accepted;
    }
    expect(accepted).toBe(1);
    expect(await dailyViews(listing.id)).toBe(1);
    expect((await eventsFor(listing.id)).filter((e) => e.type === 'property_view')).toHaveLength(1);

    // Another client's view counts.
    await api('/v1/events', { json: { events: views.slice(0, 5) }, ip: uniqueIp() });
    expect(await dailyViews(listing.id)).toBe(2);
  });

  it("GET /v1/admin/dashboard does not put a listing on top for one client's 500 views", async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const ip = uniqueIp();
    for (let i = 0; i < 10; i += 1) {
      const events = Array.from({ length: 50 }, () => ({ type: 'property_view', propertyId: listing.id }));
      expect((await api('/v1/events', { json: { events }, ip })).status).toBe(202);
    }
    const res = await api('/v1/admin/dashboard?days=1', {
      token: admin.token,
      headers: { 'Cache-Control': 'no-cache' },
    });
    expect(res.status).toBe(200);
    const { topViewedListings } = await json<{ topViewedListings: Array<{ propertyId: string; views: number }> }>(res);
    const entry = topViewedListings.find((t) => t.propertyId === listing.id);
    expect(entry?.views ?? 0).toBeLessThanOrEqual(1);
  });

  it('POST /v1/events documents and enforces metadata of at most 10 keys and 512 bytes', async () => {
    const tooBig = await api('/v1/events', {
      ip: uniqueIp(),
      json: { events: [{ type: 'search', metadata: { a: 'x'.repeat(200), b: 'x'.repeat(200), c: 'x'.repeat(200) } }] },
    });
    await expectProblem(tooBig, 422, 'VALIDATION_FAILED');
    const tooMany = await api('/v1/events', {
      ip: uniqueIp(),
      json: {
        events: [{ type: 'search', metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])) }],
      },
    });
    await expectProblem(tooMany, 422, 'VALIDATION_FAILED');
    const doc = await json<{ components: { schemas: Record<string, unknown> } }>(await api('/openapi.json'));
    const metadata = JSON.stringify(doc.components.schemas.EventsRequest);
    expect(metadata).toContain('512 bytes');
    expect(metadata).toContain('"maxProperties":10');
  });

  it('POST /v1/events beyond its per-IP budget is a 429 with Retry-After', async () => {
    const ip = uniqueIp();
    // The budget is 120 a minute; cheap invalid bodies spend it without writing anything. Sent
    // at once, so that a slow, shared machine cannot stretch them over the limiter's minute.
    const answers = await Promise.all(
      Array.from({ length: 130 }, () => api('/v1/events', { json: { events: [] }, ip })),
    );
    const limited = answers.find((res) => res.status === 429);
    expect(answers.filter((res) => res.status !== 429).every((res) => res.status === 422)).toBe(true);
    expect(answers.filter((res) => res.status === 429).length).toBeGreaterThanOrEqual(10);
    expect(limited).toBeDefined();
    expect(limited?.headers.get('Retry-After')).toBe('60');
    await expectProblem(limited as Response, 429, 'RATE_LIMITED');
  });
});

describe('GET /v1/properties/:idOrSlug views per client', () => {
  it('GET /v1/properties/:idOrSlug counts one client once per 30 minutes, however often it opens the listing', async () => {
    const app = createApp();
    const listing = await createTestProperty();
    const ip = uniqueIp();
    for (let i = 0; i < 5; i += 1) {
      const call = await callApp(app, `/v1/properties/${listing.id}`, { ip, vars: { VIEW_FLUSH_MS: '0' } });
      expect(call.response.status).toBe(200);
      await call.background;
    }
    const other = await callApp(app, `/v1/properties/${listing.id}`, { ip: uniqueIp(), vars: { VIEW_FLUSH_MS: '0' } });
    await other.background;
    expect(await dailyViews(listing.id)).toBe(2);
  });
});
