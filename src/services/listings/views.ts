import type { Database } from '../../db/client';
import type { Logger } from '../../lib/logger';
import { analyticsEventsInsert } from '../analytics/record-event';

/** Records a property_view; never throws (it runs after the response, in waitUntil). */
export async function recordPropertyView(
  db: Database,
  view: { propertyId: string; ipAddress: string | null },
  logger?: Logger,
): Promise<void> {
  try {
    await analyticsEventsInsert(db, [
      { type: 'property_view', propertyId: view.propertyId, ipAddress: view.ipAddress },
    ]);
  } catch (error) {
    logger?.warn('property_view not recorded', { error: error instanceof Error ? error.message : String(error) });
  }
}
