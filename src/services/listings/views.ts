import { inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { classifyDatabaseError } from '../../db/errors';
import { properties } from '../../db/schema';
import { CoalescingBuffer } from '../../lib/coalescing-buffer';
import type { Logger } from '../../lib/logger';
import { insertAnalyticsEvents } from '../analytics/record-event';

export interface PropertyView {
  propertyId: string;
  /** Already truncated (see lib/ip.ts). */
  ipAddress: string | null;
  /** Who viewed (lib/viewer-key.ts): counted once per listing per window. */
  viewer?: string | null;
}

/** Views one isolate holds at most; the view that fills the buffer writes them at once. */
export const MAX_BUFFERED_VIEWS = 1000;

const buffered = new CoalescingBuffer<PropertyView>(MAX_BUFFERED_VIEWS);

/**
 * Records a property_view without a database round trip of its own: the views of one isolate
 * during `flushMs` go in together, as one INSERT, after the response of the request that saw
 * the first of them. Returns the work to hand to `ctx.waitUntil`, or null when an earlier
 * request's flush writes this view. Views are analytics: a failed flush is logged and dropped,
 * and an isolate evicted mid-window loses that window.
 */
export function recordPropertyView(
  view: PropertyView,
  context: { db: Database; flushMs: number; logger: Logger },
): Promise<void> | null {
  return buffered.add(view, context.flushMs, (views) => writePropertyViews(context.db, views, context.logger));
}

const toEvent = (v: PropertyView) => ({
  type: 'property_view',
  propertyId: v.propertyId,
  ipAddress: v.ipAddress,
  viewer: v.viewer,
});

/** Inserts the views in one statement; never throws (a failure is logged, the views dropped). */
export async function writePropertyViews(db: Database, views: PropertyView[], logger?: Logger): Promise<void> {
  try {
    await insertViews(db, views);
  } catch (error) {
    // Drizzle's own message repeats the statement with every parameter: log the driver's cause.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    logger?.warn('property_view not recorded', {
      views: views.length,
      kind: classifyDatabaseError(error)?.kind ?? 'unknown',
      error: (cause instanceof Error ? cause.message : String(cause)).slice(0, 300),
    });
  }
}

/** A listing deleted since it was viewed leaves its own views out, not everyone's. */
async function insertViews(db: Database, views: PropertyView[]): Promise<void> {
  try {
    await insertAnalyticsEvents(db, views.map(toEvent));
  } catch (error) {
    if (classifyDatabaseError(error)?.kind !== 'foreign_key') throw error;
    const ids = [...new Set(views.map((v) => v.propertyId))];
    const rows = await db.select({ id: properties.id }).from(properties).where(inArray(properties.id, ids));
    const existing = new Set(rows.map((r) => r.id));
    const kept = views.filter((v) => existing.has(v.propertyId));
    if (kept.length > 0) await insertAnalyticsEvents(db, kept.map(toEvent));
  }
}
