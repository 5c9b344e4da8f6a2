import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import { analyticsEvents } from '../../db/schema';

export interface AnalyticsEventInput {
  type: string;
  propertyId?: string | null;
  userId?: string | null;
  /** Already truncated (see lib/ip.ts); never a full address. */
  ipAddress?: string | null;
  metadata?: Record<string, unknown>;
}

/** The insert for one or more events, unexecuted, so callers can put it in their batch. */
export function analyticsEventsInsert(db: Database, events: AnalyticsEventInput[]) {
  return db.insert(analyticsEvents).values(
    events.map((e) => ({
      id: uuidv7(),
      type: e.type,
      propertyId: e.propertyId ?? null,
      userId: e.userId ?? null,
      ipAddress: e.ipAddress ?? null,
      metadata: e.metadata ?? {},
    })),
  );
}
