import type { Database } from '../../db/client';
import type { ClientEventType } from './event-types';
import { insertAnalyticsEvents } from './record-event';

export interface ClientEvent {
  type: ClientEventType;
  propertyId?: string;
  metadata?: Record<string, unknown>;
}

/** Stores a browser's batch of events in one statement (see insertAnalyticsEvents). */
export function recordClientEvents(
  db: Database,
  events: ClientEvent[],
  context: { ipAddress: string | null; viewer: string | null; userId?: string | null },
): Promise<number> {
  return insertAnalyticsEvents(
    db,
    events.map((e) => ({ ...e, ipAddress: context.ipAddress, viewer: context.viewer, userId: context.userId })),
  );
}
