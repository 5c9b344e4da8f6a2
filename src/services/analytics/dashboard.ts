import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { ListingStatus } from '../../db/enums';

export interface DashboardQuery {
  /** Whole UTC days ending with `lastDay`, which is included. */
  days: number;
  /** YYYY-MM-DD (UTC). */
  lastDay: string;
}

export interface Dashboard {
  period: { days: number; from: string; to: string };
  listingsByStatus: Record<string, number>;
  inquiriesByStatus: Record<string, number>;
  inquiriesPerDay: Array<{ date: string; count: number }>;
  topViewedListings: Array<{
    propertyId: string;
    slug: string;
    title: string;
    status: ListingStatus;
    views: number;
    inquiries: number;
  }>;
  viewsToInquiries: { views: number; inquiries: number; rate: number | null };
  firstResponse: { medianSeconds: number | null; responded: number };
}

export const TOP_LISTINGS = 10;

/**
 * Every figure in ONE statement (one round trip), all from indexes. Views come from the daily
 * rollup (analytics_daily_views, kept by a trigger), so the cost follows listings × days and
 * not the number of events; inquiries from their created_at index. Listings by status is the
 * current state; everything else counts what happened in the period.
 */
export function dashboardQuery(query: DashboardQuery): SQL {
  return sql`
    with bounds as (
      select d.first_day, d.last_day,
        d.first_day::timestamp at time zone 'UTC' as since,
        (d.last_day + 1)::timestamp at time zone 'UTC' as until
      from (select ${query.lastDay}::date - (${query.days}::int - 1) as first_day, ${query.lastDay}::date as last_day) d
    ),
    period_inquiries as materialized (
      select i.status, i.property_id, i.created_at, i.first_responded_at
      from inquiries i, bounds b
      where i.created_at >= b.since and i.created_at < b.until
    ),
    views as materialized (
      select v.property_id, sum(v.views)::bigint as views
      from analytics_daily_views v, bounds b
      where v.day between b.first_day and b.last_day
      group by v.property_id
    ),
    top_views as (
      select v.property_id, v.views from views v
      order by v.views desc, v.property_id
      limit ${TOP_LISTINGS}
    ),
    top_inquiries as (
      select pi.property_id, count(*) as n from period_inquiries pi
      where pi.property_id in (select property_id from top_views)
      group by pi.property_id
    )
    select json_build_object(
      'period', (select json_build_object(
          'days', ${query.days}::int,
          'from', to_char(first_day, 'YYYY-MM-DD'),
          'to', to_char(last_day, 'YYYY-MM-DD'))
        from bounds),
      'listingsByStatus', (select json_object_agg(s.status, coalesce(c.n, 0) order by s.status)
        from unnest(enum_range(null::property_status)) s(status)
        left join (select status, count(*) as n from properties group by status) c on c.status = s.status),
      'inquiriesByStatus', (select json_object_agg(s.status, coalesce(c.n, 0) order by s.status)
        from unnest(enum_range(null::inquiry_status)) s(status)
        left join (select status, count(*) as n from period_inquiries group by status) c on c.status = s.status),
      'inquiriesPerDay', (select json_agg(json_build_object('date', to_char(d.day, 'YYYY-MM-DD'), 'count', coalesce(c.n, 0))
          order by d.day)
        from bounds b
        cross join generate_series(b.first_day::timestamp, b.last_day::timestamp, interval '1 day') d(day)
        left join (select (created_at at time zone 'UTC')::date as day, count(*) as n
          from period_inquiries group by 1) c on c.day = d.day::date),
      'topViewedListings', coalesce((select json_agg(json_build_object(
            'propertyId', p.id, 'slug', p.slug, 'title', p.title, 'status', p.status,
            'views', t.views, 'inquiries', coalesce(ti.n, 0))
          order by t.views desc, t.property_id)
        from top_views t
        join properties p on p.id = t.property_id
        left join top_inquiries ti on ti.property_id = t.property_id), '[]'::json),
      'viewsToInquiries', (select json_build_object(
          'views', v.total, 'inquiries', q.total,
          'rate', case when v.total > 0 then round(q.total::numeric / v.total, 4) end)
        from (select coalesce(sum(views), 0)::bigint as total from views) v,
          (select count(*) as total from period_inquiries where property_id is not null) q),
      'firstResponse', (select json_build_object(
          'medianSeconds', round((percentile_cont(0.5) within group (
            order by extract(epoch from first_responded_at - created_at)))::numeric, 3),
          'responded', count(*))
        from period_inquiries where first_responded_at is not null)
    ) as dashboard`;
}

export async function loadDashboard(db: Database, query: DashboardQuery): Promise<Dashboard> {
  const result = await db.execute<{ dashboard: Dashboard | string }>(dashboardQuery(query));
  const raw = result.rows[0]?.dashboard;
  if (!raw) throw new Error('dashboard query returned no row');
  return typeof raw === 'string' ? (JSON.parse(raw) as Dashboard) : raw;
}
