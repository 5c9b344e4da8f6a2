import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';

export interface AnalyticsEventInput {
  type: string;
  propertyId?: string | null;
  userId?: string | null;
  /** Already truncated (see lib/ip.ts); never a full address. */
  ipAddress?: string | null;
  /** The viewer (lib/viewer-key.ts): a property_view counts once per viewer, listing and window. */
  viewer?: string | null;
  metadata?: Record<string, unknown>;
}

/** One view per viewer per listing in this many minutes; the windows are fixed (:00 and :30). */
export const VIEW_WINDOW_MINUTES = 30;

/**
 * Stores events in one statement. An event naming a listing that does not exist (or is a draft)
 * is dropped rather than failing the others: analytics must never break a page. A property_view
 * is stored only when it claims its viewer's window for that listing (analytics_view_claims):
 * repeats within the window are dropped, in the database, so concurrent requests agree. Returns
 * the number of events stored.
 */
export async function insertAnalyticsEvents(db: Database, events: AnalyticsEventInput[]): Promise<number> {
  const rows = events.map((e) => ({
    id: uuidv7(),
    type: e.type,
    property_id: e.propertyId ?? null,
    user_id: e.userId ?? null,
    ip_address: e.ipAddress ?? null,
    viewer: e.viewer ?? null,
    metadata: e.metadata ?? {},
  }));
  const window = VIEW_WINDOW_MINUTES * 60;
  const result = await db.execute(sql`
    with input as (
      select v.* from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as v(id uuid, type text, property_id uuid, user_id uuid, ip_address text, viewer text, metadata jsonb)
      where v.property_id is null
         or exists (select 1 from properties p where p.id = v.property_id and p.status <> 'draft')
    ),
    claimed as (
      insert into analytics_view_claims (property_id, viewer, window_start)
      select distinct property_id, viewer, to_timestamp(floor(extract(epoch from now()) / ${window}) * ${window})
      from input where type = 'property_view' and property_id is not null and viewer is not null
      order by 1, 2
      on conflict do nothing
      returning property_id, viewer
    ),
    ranked as (
      select i.*, row_number() over (partition by i.type, i.property_id, i.viewer order by i.id) as n from input i
    )
    insert into analytics_events (id, type, property_id, user_id, ip_address, metadata)
    select r.id, r.type, r.property_id, r.user_id, r.ip_address, r.metadata from ranked r
    where r.type <> 'property_view' or r.property_id is null or r.viewer is null
       or (r.n = 1 and exists (select 1 from claimed c where c.property_id = r.property_id and c.viewer = r.viewer))
    order by r.id`);
  return result.rowCount ?? 0;
}
