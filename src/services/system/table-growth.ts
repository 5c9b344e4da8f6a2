import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Config } from '../../env';

export type GrowthSettings = Pick<Config, 'TABLE_SIZE_THRESHOLD_BYTES' | 'TABLE_GROWTH_ALERT_BYTES_PER_DAY'>;

export interface GrowthWindow {
  /** The sample compared with: the oldest one inside the window. */
  since: string;
  days: number;
  bytes: number;
  rows: number | null;
  bytesPerDay: number;
}

export interface RelationGrowth {
  relation: string;
  kind: 'table' | 'index';
  table: string;
  sampledOn: string;
  /** A table: heap, TOAST and its indexes (pg_total_relation_size); an index: itself. */
  bytes: number;
  estimatedRows: number | null;
  growth7d: GrowthWindow | null;
  growth30d: GrowthWindow | null;
  /** At the 7-day pace (else the 30-day one): days until TABLE_SIZE_THRESHOLD_BYTES; null when not growing. */
  daysUntilThreshold: number | null;
}

/**
 * Today's (UTC) size and estimated rows of every table and index of schema public, one row each
 * (a second run the same day overwrites it), and samples older than `keepDays` removed: one batch.
 */
export async function recordTableSizes(db: Database, keepDays: number): Promise<{ sampled: number; removed: number }> {
  const [inserted, removed] = await db.batch([
    db.execute(sql`
      insert into table_size_samples (sampled_on, relation, kind, table_name, bytes, estimated_rows)
      select (now() at time zone 'UTC')::date, c.relname,
        case when c.relkind in ('i', 'I') then 'index' else 'table' end,
        coalesce(t.relname, c.relname),
        case when c.relkind in ('i', 'I') then pg_relation_size(c.oid) else pg_total_relation_size(c.oid) end,
        case when c.reltuples < 0 then null else c.reltuples::bigint end
      from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_index x on x.indexrelid = c.oid
        left join pg_class t on t.oid = x.indrelid
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'm', 'i', 'I')
      on conflict (relation, sampled_on) do update set kind = excluded.kind, table_name = excluded.table_name,
        bytes = excluded.bytes, estimated_rows = excluded.estimated_rows
      returning 1`),
    db.execute(sql`
      delete from table_size_samples where sampled_on < (now() at time zone 'UTC')::date - ${keepDays}::int
      returning 1`),
  ]);
  return { sampled: inserted.rows.length, removed: removed.rows.length };
}

const window = (since: unknown, bytes: unknown, rows: unknown, latestOn: string, latestBytes: number) => {
  if (since === null || since === undefined) return null;
  const days = Math.round((Date.parse(latestOn) - Date.parse(String(since))) / 86_400_000);
  return {
    since: String(since),
    days,
    bytes: latestBytes - Number(bytes),
    rows: rows === null || rows === undefined ? null : Number(rows),
    bytesPerDay: days > 0 ? (latestBytes - Number(bytes)) / days : 0,
  } satisfies GrowthWindow;
};

/**
 * Growth of every relation sampled on the latest sampling day, over 7 and 30 days (each against
 * the oldest sample inside the window, so a young history still gives a pace), and the days left
 * until TABLE_SIZE_THRESHOLD_BYTES at that pace. Largest first.
 */
export async function tableGrowth(db: Database, settings: GrowthSettings): Promise<RelationGrowth[]> {
  const result = await db.execute<Record<string, unknown>>(sql`
    with latest as (
      select * from table_size_samples where sampled_on = (select max(sampled_on) from table_size_samples)
    )
    select l.relation, l.kind, l.table_name, l.sampled_on::text as sampled_on, l.bytes::float8 as bytes,
      l.estimated_rows::float8 as estimated_rows,
      w7.sampled_on::text as since7, w7.bytes::float8 as bytes7, (l.estimated_rows - w7.estimated_rows)::float8 as rows7,
      w30.sampled_on::text as since30, w30.bytes::float8 as bytes30,
      (l.estimated_rows - w30.estimated_rows)::float8 as rows30
    from latest l
      left join lateral (
        select sampled_on, bytes, estimated_rows from table_size_samples s
        where s.relation = l.relation and s.sampled_on >= l.sampled_on - 7 and s.sampled_on < l.sampled_on
        order by s.sampled_on limit 1) w7 on true
      left join lateral (
        select sampled_on, bytes, estimated_rows from table_size_samples s
        where s.relation = l.relation and s.sampled_on >= l.sampled_on - 30 and s.sampled_on < l.sampled_on
        order by s.sampled_on limit 1) w30 on true
    order by l.bytes desc, l.relation`);
  return result.rows.map((r): RelationGrowth => {
    const bytes = Number(r.bytes);
    const on = String(r.sampled_on);
    const growth7d = window(r.since7, r.bytes7, r.rows7, on, bytes);
    const growth30d = window(r.since30, r.bytes30, r.rows30, on, bytes);
    const pace = growth7d?.bytesPerDay ?? growth30d?.bytesPerDay ?? 0;
    const threshold = settings.TABLE_SIZE_THRESHOLD_BYTES;
    return {
      relation: String(r.relation),
      kind: r.kind === 'index' ? 'index' : 'table',
      table: String(r.table_name),
      sampledOn: on,
      bytes,
      estimatedRows: r.estimated_rows === null || r.estimated_rows === undefined ? null : Number(r.estimated_rows),
      growth7d,
      growth30d,
      daysUntilThreshold: bytes >= threshold ? 0 : pace > 0 ? Math.ceil((threshold - bytes) / pace) : null,
    };
  });
}

/**
 * For alerting: the tables growing faster than TABLE_GROWTH_ALERT_BYTES_PER_DAY at their 7-day
 * pace (the 30-day one when no sample lies within the last 7 days), fastest first.
 * Reads only table_size_samples, which the nightly `retention` job fills.
 */
export async function fastGrowingTables(db: Database, settings: GrowthSettings): Promise<RelationGrowth[]> {
  const pace = (g: RelationGrowth) => g.growth7d?.bytesPerDay ?? g.growth30d?.bytesPerDay ?? 0;
  return (await tableGrowth(db, settings))
    .filter((g) => g.kind === 'table' && pace(g) > settings.TABLE_GROWTH_ALERT_BYTES_PER_DAY)
    .sort((a, b) => pace(b) - pace(a));
}
