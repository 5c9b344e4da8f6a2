import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestProperty, uniqueIp } from '../helpers/listings';

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
    const events = Array.from({ length: 50 }, () => ({ type: 'property_view', propertyId: listing.id }));
    const res = await api('/v1/events', { json: { events }, ip: uniqueIp() });
    expect(res.status).toBe(202);
    expect(await eventsFor(listing.id)).toHaveLength(50);
  });

  it('POST /v1/events beyond its per-IP budget is a 429 with Retry-After', async () => {
    const ip = uniqueIp();
    let limited: Response | undefined;
    // The budget is 120 a minute; cheap invalid bodies spend it without writing anything.
    for (let i = 0; i < 130 && !limited; i += 1) {
      const res = await api('/v1/events', { json: { events: [] }, ip });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(422);
    }
    expect(limited).toBeDefined();
    expect(limited?.headers.get('Retry-After')).toBe('60');
    await expectProblem(limited as Response, 429, 'RATE_LIMITED');
  });
});
