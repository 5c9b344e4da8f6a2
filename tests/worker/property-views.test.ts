import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createDb } from '../../src/db/client';
import { analyticsEvents, properties } from '../../src/db/schema';
import { CoalescingBuffer } from '../../src/lib/coalescing-buffer';
import type { Logger } from '../../src/lib/logger';
import { type PropertyView, writePropertyViews } from '../../src/services/listings/views';
import { callApp } from '../helpers/app-call';
import { testConfig, testDb } from '../helpers/db';
import { eventually } from '../helpers/email-sink';
import { createTestProperty } from '../helpers/listings';

/**
 * The property_view events of listing detail are gathered per isolate and written as one
 * INSERT per window (src/services/listings/views.ts, src/lib/coalescing-buffer.ts). Rows
 * inserted by one statement share its transaction id (`xmin`), so counting distinct `xmin`
 * counts the statements that wrote a listing's views.
 */
async function viewsOf(propertyId: string) {
  const rows = await testDb()
    .select({ ipAddress: analyticsEvents.ipAddress, xmin: sql<string>`${analyticsEvents}.xmin::text` })
    .from(analyticsEvents)
    .where(and(eq(analyticsEvents.propertyId, propertyId), eq(analyticsEvents.type, 'property_view')));
  return { count: rows.length, statements: new Set(rows.map((r) => r.xmin)).size, rows };
}

function recordingLogger() {
  const warnings: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg, fields) => warnings.push({ msg, fields }),
    error: () => undefined,
  };
  return { logger, warnings };
}

const view = (propertyId: string, n = 1): PropertyView => ({ propertyId, ipAddress: `192.0.2.${n}/32` });

describe('property views: coalesced writes', () => {
  it('views added within one window are written by one INSERT, after the window', async () => {
    const listing = await createTestProperty();
    const buffer = new CoalescingBuffer<PropertyView>(1000);
    const write = (views: PropertyView[]) => writePropertyViews(testDb(), views);
    const flushes = Array.from({ length: 8 }, (_, i) => buffer.add(view(listing.id, i), 10, write));
    // Only the view that opened the window schedules a write; the others ride along.
    expect(flushes.filter((f) => f !== null)).toHaveLength(1);
    expect(buffer.size).toBe(8);
    await flushes[0];
    expect(buffer.size).toBe(0);
    const written = await viewsOf(listing.id);
    expect(written.count).toBe(8);
    expect(written.statements).toBe(1);
  });

  it('a full buffer is written at once by the view that filled it, and never holds more', async () => {
    const listing = await createTestProperty();
    const buffer = new CoalescingBuffer<PropertyView>(3);
    const write = (views: PropertyView[]) => writePropertyViews(testDb(), views);
    const flushes: Array<Promise<void>> = [];
    for (let i = 0; i < 7; i++) {
      const flush = buffer.add(view(listing.id, i), 10, write);
      if (flush) flushes.push(flush);
      expect(buffer.size).toBeLessThan(3);
    }
    await Promise.all(flushes);
    const written = await viewsOf(listing.id);
    // 3 + 3 written early, the seventh by its window; the windows emptied early write nothing.
    expect(written.count).toBe(7);
    expect(written.statements).toBe(3);
  });

  it('a flush the database refuses is logged and dropped, never thrown', async () => {
    const listing = await createTestProperty();
    const unreachable = createDb({ ...testConfig(), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nowhere' });
    const { logger, warnings } = recordingLogger();
    await expect(writePropertyViews(unreachable, [view(listing.id)], logger)).resolves.toBeUndefined();
    expect(warnings).toEqual([{ msg: 'property_view not recorded', fields: expect.objectContaining({ views: 1 }) }]);
    expect((await viewsOf(listing.id)).count).toBe(0);
  });

  it('a listing deleted before the flush loses its own views, not the others in the window', async () => {
    const kept = await createTestProperty();
    const deleted = await createTestProperty();
    await testDb().delete(properties).where(eq(properties.id, deleted.id));
    const { logger, warnings } = recordingLogger();
    await writePropertyViews(testDb(), [view(kept.id, 1), view(deleted.id, 2), view(kept.id, 3)], logger);
    expect(warnings).toEqual([]);
    expect((await viewsOf(kept.id)).count).toBe(2);
    expect((await viewsOf(deleted.id)).count).toBe(0);
  });
});

describe('GET /v1/properties/:idOrSlug records its views in the background', () => {
  // Requests of this file run one after another, so no other request's window is open here.
  const app = createApp();

  it('N detail requests in one window arrive as N rows, written by fewer statements than requests', async () => {
    const listing = await createTestProperty();
    const path = `/v1/properties/${listing.id}`;
    const first = await callApp(app, path, { ip: '203.0.113.77' });
    expect(first.response.status).toBe(200);
    await first.background;
    const calls = await Promise.all(
      Array.from({ length: 6 }, (_, i) => callApp(app, path, { ip: `198.51.100.${i + 1}` })),
    );
    for (const call of calls) expect(call.response.status).toBe(200);
    await Promise.all(calls.map((c) => c.background));
    const written = await eventually(async () => {
      const v = await viewsOf(listing.id);
      return v.count >= 7 ? v : undefined;
    });
    expect(written.count).toBe(7);
    expect(written.statements).toBeLessThan(7);
    expect(written.rows.map((r) => r.ipAddress)).toContain('203.0.113.0/24');
  });

  it('a flush that fails changes no response, and the next window is written again', async () => {
    const listing = await createTestProperty();
    const path = `/v1/properties/${listing.id}`;
    const vars = { DETAIL_MEMORY_CACHE_SECONDS: '60', VIEW_FLUSH_MS: '0' };
    const warm = await callApp(app, path, { vars });
    await warm.background;
    expect((await viewsOf(listing.id)).count).toBe(1);
    // Served from this isolate's memory, so the request itself needs no database at all.
    const broken = await callApp(app, path, {
      vars: { ...vars, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nowhere' },
    });
    expect(broken.response.status).toBe(200);
    expect(broken.response.headers.get('X-Cache')).toBe('HIT-MEMORY');
    expect(await broken.response.text()).toBe(await warm.response.text());
    await expect(broken.background).resolves.toBeUndefined();
    expect((await viewsOf(listing.id)).count).toBe(1);
    const after = await callApp(app, path, { vars });
    await after.background;
    expect((await viewsOf(listing.id)).count).toBe(2);
  });
});
