import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

export interface DashboardQuery {
  /** Calendar days (UTC) ending with the day of `until`, today included. */
  days: number;
  until: Date;
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
    status: string;
    views: number;
    inquiries: number;
  }>;
  viewsToInquiries: { views: number; inquiries: number; rate: number | null };
  firstResponse: { medianSeconds: number | null; responded: number };
}

const TOP_LISTINGS = 10;

/**
 * Every figure in ONE statement (one round trip). The period's views come from the partial
 * index on (created_at, property_id) where type = 'property_view', read once and shared;
 * inquiries from the created_at index. Listings by status is the current state; everything
 * else counts what happened in the period.
 */
export function dashboardQuery(query: DashboardQuery): SQL {
  return sql`
    with bounds as (
      select b.until,
        (date_trunc('day', b.until at time zone 'UTC') - make_interval(days => ${query.days}::int - 1))
          at time zone 'UTC' as since
      from (select ${query.until.toISOString()}::timestamptz as until) b
    ),
    period_inquiries as materialized (
      select i.status, i.property_id, i.created_at, i.first_responded_at
      from inquiries i, bounds b
      where i.created_at >= b.since and i.created_at <= b.until
    ),
    views as materialized (
      select e.property_id, count(*)::bigint as views
      from analytics_events e, bounds b
      where e.type = 'property_view' and e.created_at >= b.since and e.created_at <= b.until
      group by e.property_id
    ),
    top_views as (
      select v.property_id, v.views from views v
      where v.property_id is not null
      order by v.views desc, v.property_id
      limit ${TOP_LISTINGS}
    )
    select json_build_object(
      'period', (select json_build_object(
          'days', ${query.days}::int,
          'from', to_char(since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'to', to_char(until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
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
        cross join generate_series(date_trunc('day', b.since at time zone 'UTC'),
          date_trunc('day', b.until at time zone 'UTC'), interval '1 day') d(day)
        left join (select (created_at at time zone 'UTC')::date as day, count(*) as n
          from period_inquiries group by 1) c on c.day = d.day::date),
      'topViewedListings', coalesce((select json_agg(json_build_object(
            'propertyId', p.id, 'slug', p.slug, 'title', p.title, 'status', p.status,
            'views', t.views,
            'inquiries', (select count(*) from period_inquiries pi where pi.property_id = t.property_id))
          order by t.views desc, t.property_id)
        from top_views t join properties p on p.id = t.property_id), '[]'::json),
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
