import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { ClientEventType } from './event-types';

export interface ClientEvent {
  type: ClientEventType;
  propertyId?: string;
  metadata?: Record<string, unknown>;
}

/**
 * Stores a browser's batch of events in one statement. An event naming a listing that does
 * not exist (or is a draft) is dropped rather than failing the batch: analytics must never
 * break a page, and such an event is noise.
 */
export async function recordClientEvents(
  db: Database,
  events: ClientEvent[],
  context: { ipAddress: string | null; userId?: string | null },
): Promise<number> {
  const rows = events.map((e) => ({
    id: uuidv7(),
    type: e.type,
    property_id: e.propertyId ?? null,
    metadata: e.metadata ?? {},
  }));
  const result = await db.execute(sql`
    insert into analytics_events (id, type, property_id, user_id, ip_address, metadata)
    select v.id, v.type, v.property_id, ${context.userId ?? null}::uuid, ${context.ipAddress}, v.metadata
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as v(id uuid, type text, property_id uuid, metadata jsonb)
    where v.property_id is null
       or exists (select 1 from properties p where p.id = v.property_id and p.status <> 'draft')`);
  return result.rowCount ?? 0;
}
