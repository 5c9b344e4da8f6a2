import bcrypt from 'bcryptjs';
import pg from 'pg';
import { migrateDatabase } from '../db/migrate';
import { startEmbeddedPostgres } from '../local-db/embedded-postgres';
import {
  ADJECTIVES,
  BENCH_CITIES,
  EVENT_TYPES_WEIGHTED,
  FEATURES,
  NEIGHBOURHOODS,
  SEARCH_TERMS,
  SENTENCES,
  STREET_SUFFIXES,
  STREETS,
} from './dataset-vocabulary';

/** Every benchmark account has this password (bcrypt cost 10, like the API's default). */
export const BENCH_PASSWORD = 'bench-password-not-secret-1';
export const BENCH_ADMIN_EMAIL = 'bench-admin@bench.example';
export const BENCH_SUPER_EMAIL = 'bench-super@bench.example';
export const BENCH_AGENTS = 8;
export const UPLOAD_SLUG_PREFIX = 'bench-upload-';

export interface BenchDatabase {
  url: string;
  /** The database's name on the server; null for embedded PGlite. */
  name: string | null;
  kind: 'postgres' | 'pglite';
  /** Drops (or stops) what this run created, unless it is kept. */
  close(): Promise<void>;
}

export interface DatasetPlan {
  users: number;
  properties: number;
  imagesPerListing: number;
  inquiries: number;
  analyticsEvents: number;
  uploadListings: number;
}

export function datasetPlan(scale: number): DatasetPlan {
  const at = (n: number, min: number) => Math.max(min, Math.round(n * scale));
  return {
    users: at(20_000, 20),
    properties: at(100_000, 50),
    imagesPerListing: 5,
    inquiries: at(100_000, 50),
    analyticsEvents: at(1_000_000, 200),
    uploadListings: at(200, 3),
  };
}

/**
 * A fresh database named gsr_bench_<time> on the server (or in-memory PGlite for `embedded`),
 * migrated. With `reuse` the named database is used as it is, and kept.
 */
export async function openBenchDatabase(opts: {
  serverUrl: string;
  reuse: string | null;
  keep: boolean;
  log: (line: string) => void;
}): Promise<BenchDatabase> {
  if (opts.serverUrl === 'embedded') {
    const embedded = await startEmbeddedPostgres({ port: 0, maxConnections: 100 });
    await migrateDatabase(embedded.url);
    return { url: embedded.url, name: null, kind: 'pglite', close: embedded.close };
  }
  const name = opts.reuse ?? `gsr_bench_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`BENCH_REUSE: "${name}" is not a plain database name`);
  const url = new URL(opts.serverUrl);
  url.pathname = `/${name}`;
  if (!opts.reuse) {
    const admin = new pg.Client({ connectionString: opts.serverUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
  }
  await migrateDatabase(url.toString());
  const keep = opts.keep || Boolean(opts.reuse);
  return {
    url: url.toString(),
    name,
    kind: 'postgres',
    async close() {
      if (keep) {
        opts.log(`Kept database ${name} (reuse it with BENCH_REUSE=${name}).`);
        return;
      }
      const admin = new pg.Client({ connectionString: opts.serverUrl });
      await admin.connect();
      try {
        await admin.query(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

const lit = (value: string) => `'${value.replace(/'/g, "''")}'`;
const textArray = (values: readonly string[]) => `array[${values.map(lit).join(',')}]::text[]`;
/** `array[...]` picked from with a uniform random index. */
const pick = (values: readonly string[]) => `(${textArray(values)})[1 + floor(random() * ${values.length})::int]`;
const slugOf = (city: string) => city.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function weighted(entries: ReadonlyArray<readonly [string, number]>): string[] {
  return entries.flatMap(([value, weight]) => Array.from({ length: weight }, () => value));
}

/** The whole load as SQL statements, in order; run on one session (temp tables and functions). */
export function datasetStatements(plan: DatasetPlan, passwordHash: string): string[] {
  const cities = BENCH_CITIES.map(
    (c, i) =>
      `(${i + 1}, ${lit(c.city)}, ${lit(slugOf(c.city))}, ${lit(c.region)}, ${lit(c.country)}, ${lit(c.currency)}, ${c.lat}, ${c.lng}, ${c.priceFactor})`,
  ).join(',\n');
  const types = weighted([
    ['house', 6],
    ['apartment', 6],
    ['condo', 3],
    ['townhouse', 2],
    ['land', 1],
    ['commercial', 1],
    ['office', 1],
  ]);
  const eventTypes = weighted(EVENT_TYPES_WEIGHTED);
  const nonResidential = `('land', 'commercial', 'office')`;
  return [
    // A uuid v7 (time-ordered, like the API's ids) from a timestamp; `kind` and `n` make it unique.
    `create function pg_temp.bench_uuid(ts timestamptz, kind int, n bigint) returns uuid language sql immutable as $$
       select (lpad(to_hex(floor(extract(epoch from ts) * 1000)::bigint), 12, '0') || '7' || lpad(to_hex(n % 4096), 3, '0')
               || '8' || lpad(to_hex(kind), 3, '0') || lpad(to_hex(n), 12, '0'))::uuid
     $$`,
    `create temp table bench_cities (idx int primary key, city text, slug text, region text, country text,
       currency text, lat float8, lng float8, factor float8)`,
    `insert into bench_cities values ${cities}`,

    // Users: a super admin, an admin, a few agents (admins) and ordinary accounts; one shared hash.
    `insert into users (id, email, password_hash, name, role, is_active, must_change_password, password_changed_at, created_at, updated_at)
     select pg_temp.bench_uuid(ts, 1, i), email, ${lit(passwordHash)}, name, role::user_role, true, false, ts, ts, ts
     from (
       select i, now() - interval '730 days' * random() as ts,
         case when i = 1 then ${lit(BENCH_SUPER_EMAIL)} when i = 2 then ${lit(BENCH_ADMIN_EMAIL)}
              when i <= ${2 + BENCH_AGENTS} then 'bench-agent-' || (i - 2) || '@bench.example'
              else 'user' || (i - ${2 + BENCH_AGENTS}) || '@bench.example' end as email,
         case when i = 1 then 'Bench Super Admin' when i = 2 then 'Bench Admin'
              when i <= ${2 + BENCH_AGENTS} then 'Agent ' || (i - 2) else 'Bench User ' || i end as name,
         case when i = 1 then 'super_admin' when i <= ${2 + BENCH_AGENTS} then 'admin' else 'user' end as role
       from generate_series(1, ${plan.users}) i
     ) u`,

    // Listings: skewed over cities (the first ones are the busiest), ~90% active or pending.
    `insert into properties (id, slug, title, description, property_type, listing_type, status, price, currency,
       bedrooms, bathrooms, area_sqm, address_line1, city, region, postal_code, country, latitude, longitude,
       features, created_by, published_at, created_at, updated_at)
     select pg_temp.bench_uuid(created_at, 2, i),
       ptype || '-' || slug || '-' || i,
       adj || ' ' || case when beds > 0 then beds || '-bedroom ' else '' end || ptype || ' in ' || hood || ', ' || city,
       s1 || ' ' || s2 || ' ' || s3 || case when cardinality(features) > 0
         then ' Features: ' || array_to_string(features, ', ') || '.' else '' end,
       ptype::property_type, ltype::listing_type, status::property_status,
       (round(case when ltype = 'sale' then (80000 + power(rp, 2) * 1500000) * (case when ptype in ${nonResidential} then 0.8 else 1 end)
                   else 600 + power(rp, 2) * 5000 end * factor) * 100)::bigint,
       currency, beds, baths, area, address, city, region, postal, country,
       case when geo then lat end, case when geo then lng end,
       features, (select id from users where email = ${lit(BENCH_ADMIN_EMAIL)}),
       case when status <> 'draft' then created_at end, created_at, created_at
     from (
       select g.*, c.city, c.slug, c.region, c.country, c.currency, c.factor,
         c.lat + (g.rlat - 0.5) * 0.3 as lat, c.lng + (g.rlng - 0.5) * 0.3 / cos(radians(c.lat)) as lng,
         case when g.ptype in ${nonResidential} then 0 else floor(g.rb * 5)::int + (g.ptype = 'house')::int end as beds,
         case when g.ptype = 'land' then 0 else 1 + floor(g.rb * 6) / 2.0 end as baths,
         case when g.ptype = 'land' then 300 + floor(g.ra * 5000)::int
              when g.ptype in ${nonResidential} then 80 + floor(g.ra * 900)::int
              else 30 + floor(g.rb * 5)::int * 22 + floor(g.ra * 80)::int end as area,
         case when g.rs < 0.75 then 'active' when g.rs < 0.90 then 'pending' when g.rs < 0.93 then 'draft'
              when g.rs < 0.96 then 'off_market' when g.ltype = 'sale' then 'sold' else 'rented' end as status
       from (
         select i, now() - interval '1095 days' * power(random(), 1.5) as created_at,
           1 + floor(power(random(), 1.8) * ${BENCH_CITIES.length})::int as city_idx,
           ${pick(types)} as ptype,
           case when random() < 0.7 then 'sale' else 'rent' end as ltype,
           random() as rs, random() as rp, random() as rb, random() as ra, random() as rlat, random() as rlng,
           random() >= 0.02 as geo,
           ${pick(ADJECTIVES)} as adj, ${pick(NEIGHBOURHOODS)} as hood,
           (1 + floor(random() * 2000)::int) || ' ' || ${pick(STREETS)} || ' ' || ${pick(STREET_SUFFIXES)} as address,
           lpad(floor(random() * 99999)::int::text, 5, '0') as postal,
           ${pick(SENTENCES)} as s1, ${pick(SENTENCES)} as s2, ${pick(SENTENCES)} as s3,
           array(select f from unnest(${textArray(FEATURES)}) f where random() < 0.22 and i is not null) as features
         from generate_series(1, ${plan.properties}) i
       ) g join bench_cities c on c.idx = g.city_idx
     ) p
     order by created_at`,

    // Photos: 1 to 9 per listing (about ${plan.imagesPerListing} on average), the first is the cover.
    `insert into property_images (id, property_id, r2_key, content_type, byte_size, width, height, sha256, alt_text,
       sort_order, is_cover, created_by, created_at, updated_at)
     select id, pid, 'properties/' || pid || '/' || id, 'image/jpeg', 120000 + (hashtext(id::text) & 1048575), 1600, 1067,
       md5(id::text) || md5(pid::text), left('Photo ' || (s + 1) || ' of ' || title, 300), s, s = 0, created_by,
       created_at, created_at
     from (
       select pg_temp.bench_uuid(p.created_at + s * interval '1 second', 3, p.n * 16 + s) as id, p.id as pid, s,
         p.title, p.created_by, p.created_at
       from (select *, row_number() over () as n from properties) p cross join lateral generate_series(0, abs(hashtext(p.id::text)) % 9) s
     ) x
     order by created_at, s`,

    // Empty drafts the upload scenario sends its photos to (at most 50 photos per listing).
    `insert into properties (id, slug, title, property_type, listing_type, status, price, currency, address_line1, city,
       country, created_by, created_at, updated_at)
     select pg_temp.bench_uuid(now(), 4, i), '${UPLOAD_SLUG_PREFIX}' || i, 'Benchmark upload target ' || i,
       'house', 'sale', 'draft', 10000000, 'USD', '1 Bench Street', 'Benchville', 'US',
       (select id from users where email = ${lit(BENCH_ADMIN_EMAIL)}), now(), now()
     from generate_series(1, ${plan.uploadListings}) i`,

    `create temp table bench_pids as
       select row_number() over (order by id)::int as n, id from properties where status <> 'draft'`,
    'create index on bench_pids (n)',
    'analyze bench_pids',

    // Inquiries over the last 180 days, skewed toward popular listings; ~10% general.
    `insert into inquiries (id, property_id, name, email, phone, message, status, assigned_to, ip_address, user_agent,
       first_responded_at, created_at, updated_at)
     select pg_temp.bench_uuid(ts, 5, i), case when general then null else pid.id end,
       'Lead ' || i, 'lead' || i || '@example.com',
       case when i % 2 = 0 then '+1555' || lpad((i % 10000000)::text, 7, '0') end,
       'Hello, I would like to know more about this listing. ' || ${pick(SENTENCES)},
       status::inquiry_status,
       case when status in ('contacted', 'qualified', 'closed') then agents[1 + i % cardinality(agents)] end,
       '203.0.' || (i % 256) || '.0/24', 'Mozilla/5.0 (bench)',
       case when status <> 'new' then least(now(), ts + interval '10 minutes' + interval '48 hours' * rr) end,
       ts, ts
     from (
       select i, now() - interval '180 days' * random() as ts, random() < 0.1 as general, random() as rr,
         1 + floor(power(random(), 2) * (select count(*) from bench_pids))::int as pn,
         case when rs < 0.30 then 'new' when rs < 0.55 then 'contacted' when rs < 0.67 then 'qualified'
              when rs < 0.72 then 'spam' else 'closed' end as status,
         (select array_agg(id order by id) from users where role = 'admin') as agents
       from (select i, random() as rs from generate_series(1, ${plan.inquiries}) i) r
     ) g left join bench_pids pid on pid.n = g.pn
     order by ts`,

    `insert into inquiry_events (id, inquiry_id, type, to_status, created_at)
     select pg_temp.bench_uuid(created_at, 6, row_number() over ()), id, 'created', 'new', created_at from inquiries
     order by created_at`,
    `insert into inquiry_events (id, inquiry_id, type, from_status, to_status, actor_id, created_at)
     select pg_temp.bench_uuid(first_responded_at, 7, row_number() over ()), id, 'status_changed', 'new', status, assigned_to,
       first_responded_at
     from inquiries where status <> 'new'
     order by first_responded_at`,

    // Analytics over the last 90 days: mostly listing views, concentrated on popular listings.
    `insert into analytics_events (id, type, property_id, ip_address, metadata, created_at)
     select pg_temp.bench_uuid(ts, 8, i), type,
       case when type in ('search', 'map_open') then null else pid.id end,
       '198.51.' || (i % 256) || '.0/24',
       case when type = 'search' then jsonb_build_object('q', ${pick(SEARCH_TERMS)}) else '{}'::jsonb end,
       ts
     from (
       select i, now() - interval '90 days' * random() as ts, ${pick(eventTypes)} as type,
         1 + floor(power(random(), 3) * (select count(*) from bench_pids))::int as pn
       from generate_series(1, ${plan.analyticsEvents}) i
     ) g left join bench_pids pid on pid.n = g.pn
     order by ts`,

    // The load runs with triggers off (session_replication_role), so the dashboard's daily
    // rollup that a trigger keeps in a live system is built here, as migration 0004 does.
    `insert into analytics_daily_views (day, property_id, views)
     select (created_at at time zone 'UTC')::date, property_id, count(*)
     from analytics_events
     where type = 'property_view' and property_id is not null
     group by 1, 2
     order by 1, 2`,

    // Likewise the facet counts per group of public listings (migration 0007 keeps them live).
    'select listing_facet_counts_rebuild()',

    // And each listing's first price history entry (migration 0026's triggers write it live).
    'select property_price_history_backfill()',
  ];
}

export const LOADED_TABLES = [
  'users',
  'properties',
  'property_images',
  'inquiries',
  'inquiry_events',
  'analytics_events',
  'analytics_daily_views',
  'listing_facet_counts',
] as const;

/**
 * Loads the dataset in SQL on one connection, then VACUUM ANALYZE (so that plans are stable
 * and autovacuum does not start in the middle of a measurement). Foreign-key triggers are
 * skipped where the role may (the data is consistent by construction); it falls back otherwise.
 */
export async function loadDataset(
  url: string,
  plan: DatasetPlan,
  log: (line: string) => void,
): Promise<{ ms: number; steps: Array<{ step: string; ms: number }> }> {
  const started = performance.now();
  const passwordHash = await bcrypt.hash(BENCH_PASSWORD, 10);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const steps: Array<{ step: string; ms: number }> = [];
  try {
    await client.query("set client_min_messages = 'warning'");
    await client.query('set synchronous_commit = off');
    await client.query("set maintenance_work_mem = '256MB'");
    // The generator's row estimates are huge; JIT compiling them costs more than it saves.
    await client.query('set jit = off');
    await client.query('select setseed(0.4242)');
    await client.query("set session_replication_role = 'replica'").catch(() => {
      log('  (no permission to skip foreign-key triggers: loading with them)');
    });
    // Building indexes once after the load is several times faster than maintaining them per
    // row; they are recreated from their own definitions, so they stay exactly the migrations'.
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `select i.indexname as name, i.indexdef as def from pg_indexes i
        where i.schemaname = current_schema() and i.tablename = any($1)
          and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
      [[...LOADED_TABLES]],
    );
    const { rows: uniques } = await client.query<{ table: string; name: string; def: string }>(
      `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as def
         from pg_constraint c where c.contype = 'u' and c.conrelid = any($1::regclass[])`,
      [[...LOADED_TABLES]],
    );
    for (const index of indexes) await client.query(`drop index "${index.name}"`);
    for (const u of uniques) await client.query(`alter table ${u.table} drop constraint "${u.name}"`);
    for (const statement of datasetStatements(plan, passwordHash)) {
      const t = performance.now();
      const result = await client.query(statement);
      const label = statement.trim().split('\n')[0]?.slice(0, 60) ?? '';
      const ms = Math.round(performance.now() - t);
      steps.push({ step: label, ms });
      if (ms > 500) log(`  ${label} … ${result.rowCount ?? ''} rows, ${(ms / 1000).toFixed(1)} s`);
    }
    await client.query("set session_replication_role = 'origin'").catch(() => undefined);
    const built = performance.now();
    for (const index of indexes) await client.query(index.def);
    for (const u of uniques) await client.query(`alter table ${u.table} add constraint "${u.name}" ${u.def}`);
    steps.push({
      step: `create ${indexes.length + uniques.length} indexes`,
      ms: Math.round(performance.now() - built),
    });
    log(`  create ${indexes.length + uniques.length} indexes … ${((performance.now() - built) / 1000).toFixed(1)} s`);
    const t = performance.now();
    for (const table of LOADED_TABLES) await client.query(`vacuum (analyze) ${table}`);
    steps.push({ step: 'vacuum analyze', ms: Math.round(performance.now() - t) });
    log(`  vacuum analyze … ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } finally {
    await client.end();
  }
  return { ms: Math.round(performance.now() - started), steps };
}

export type DatasetSizes = Record<(typeof LOADED_TABLES)[number] | 'sessions' | 'refresh_tokens', number>;

export async function datasetSizes(url: string): Promise<DatasetSizes> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = [...LOADED_TABLES, 'sessions', 'refresh_tokens'] as const;
    const { rows } = await client.query<{ t: string; n: string }>(
      tables.map((t) => `select '${t}' as t, count(*)::text as n from ${t}`).join(' union all '),
    );
    return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)])) as DatasetSizes;
  } finally {
    await client.end();
  }
}

/**
 * Empties the upload scenario's drafts again (a reused database keeps earlier runs' photo rows;
 * their R2 objects went with that run's state directory).
 */
export async function resetUploadTargets(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(
      'delete from property_images where property_id in (select id from properties where slug like $1)',
      [`${UPLOAD_SLUG_PREFIX}%`],
    );
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}
