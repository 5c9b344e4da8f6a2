import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Database } from '../../src/db/client';
import { sendDigests } from '../../src/services/alerts/digest';
import { alertedSearchCountSql, matchBatchSql, matchListingEvents } from '../../src/services/alerts/match';
import { DEFAULT_RADIUS_KM } from '../../src/services/listings/filters';
import { BENCH_CITIES } from './dataset-vocabulary';
import { type Percentiles, percentiles } from './load-types';

/** Saved-search alerts over SAVED_SEARCHES × scale saved searches (issue 14: 100,000). */
export const SAVED_SEARCHES = 100_000;

export interface AlertBenchReport {
  searches: number;
  users: number;
  seedMs: number;
  /** Share of the searches that set each filter, and their frequencies. */
  mix: Record<string, number>;
  match: {
    /** One listing change (a price drop) matched against every saved search, one statement each. */
    runs: number;
    /** Finding the searches one change alerts: the statement's read part alone. */
    readMs: Percentiles;
    /** The whole statement as the job sends it (read, then record the matches, queue the instant
     * emails, stamp the searches, mark the event), timed by the client (localhost round trip included). */
    ms: Percentiles;
    /** The server's own execution time, EXPLAIN ANALYZE of the same statement (rolled back). */
    explainMs: number;
    matchesPerChange: { mean: number; max: number };
    /** Plan nodes that read saved_searches, with how often each ran (1 = one pass for all searches). */
    savedSearchScans: Array<{ node: string; index: string | null; loops: number; rows: number }>;
  };
  digest: {
    /** The day's listing changes matched before the digest run (by the match job, in batches). */
    changes: number;
    matchMs: number;
    pendingMatches: number;
    ms: number;
    digests: number;
    attached: number;
    batches: number;
  };
}

/** mulberry32: the same searches on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['garden', 'pool', 'loft', 'renovated', 'view', 'quiet', 'modern', 'garage', 'balcony', 'fireplace'];
const TYPES = ['house', 'apartment', 'condo', 'townhouse', 'land', 'commercial', 'office'];

interface SearchRow {
  query: Record<string, string>;
  cols: Record<string, string | number | null>;
  alerts: string;
  frequency: string;
}

/**
 * A realistic mix: nearly every search names a place (a city, or a circle or box around one),
 * most a listing type and a price range, half a property type; few a word.
 */
function makeSearch(rnd: () => number): SearchRow {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  // The first cities are the busiest, as in the dataset.
  const city = BENCH_CITIES[Math.floor(rnd() ** 2 * BENCH_CITIES.length)] ?? BENCH_CITIES[0];
  if (!city) throw new Error('no bench city');
  const query: Record<string, string> = {};
  const cols: Record<string, string | number | null> = {};
  const set = (key: string, col: string, value: string | number) => {
    query[key] = String(value);
    cols[col] = value;
  };
  const shape = rnd();
  if (shape < 0.12) {
    const [lat, lng] = [city.lat + (rnd() - 0.5) * 0.2, city.lng + (rnd() - 0.5) * 0.2];
    query.near = `${lat.toFixed(4)},${lng.toFixed(4)}`;
    cols.near_lat = Number(lat.toFixed(4));
    cols.near_lng = Number(lng.toFixed(4));
    // As the routes store it: the radius search would use when the query names none.
    if (rnd() < 0.7) set('radiusKm', 'radius_km', pick([2, 5, 10, 25]));
    else cols.radius_km = DEFAULT_RADIUS_KM;
  } else if (shape < 0.2) {
    const d = 0.05 + rnd() * 0.2;
    const b = [city.lng - d, city.lat - d, city.lng + d, city.lat + d].map((v) => Number(v.toFixed(4)));
    query.bbox = b.join(',');
    [cols.bbox_min_lng, cols.bbox_min_lat, cols.bbox_max_lng, cols.bbox_max_lat] = b as [
      number,
      number,
      number,
      number,
    ];
  } else if (rnd() < 0.95) {
    // Stored lowercased, as the saved-search routes store it (filterColumns).
    query.city = city.city;
    cols.city = city.city.toLowerCase();
  }
  const sale = rnd() < 0.7;
  if (rnd() < 0.9) set('listingType', 'listing_type', sale ? 'sale' : 'rent');
  if (rnd() < 0.5) set('propertyType', 'property_type', pick(TYPES));
  if (rnd() < 0.8) {
    const base = (sale ? 150_000 + rnd() * 900_000 : 800 + rnd() * 3_000) * city.priceFactor;
    const min = Math.round(base) * 100;
    if (rnd() < 0.7) set('minPrice', 'min_price', min);
    set('maxPrice', 'max_price', Math.round(min * (1.3 + rnd())));
  }
  if (rnd() < 0.4) set('minBedrooms', 'min_bedrooms', 1 + Math.floor(rnd() * 4));
  if (rnd() < 0.2) set('minBathrooms', 'min_bathrooms', pick([1, 1.5, 2, 3]));
  if (rnd() < 0.15) set('minArea', 'min_area', 40 + Math.floor(rnd() * 120));
  if (rnd() < 0.12) set('q', 'q', rnd() < 0.7 ? pick(WORDS) : `${pick(WORDS)} ${pick(WORDS)}`);
  const a = rnd();
  const alerts =
    a < 0.7 ? '{new_listing,price_drop,back_on_market}' : a < 0.85 ? '{new_listing}' : '{new_listing,price_drop}';
  const f = rnd();
  const frequency = f < 0.45 ? 'instant' : f < 0.8 ? 'daily' : f < 0.92 ? 'weekly' : 'off';
  return { query, cols, alerts, frequency };
}

const COLUMNS: Array<[string, string]> = [
  ['q', 'text'],
  ['city', 'text'],
  ['property_type', 'property_type'],
  ['listing_type', 'listing_type'],
  ['min_price', 'bigint'],
  ['max_price', 'bigint'],
  ['min_bedrooms', 'smallint'],
  ['min_bathrooms', 'numeric'],
  ['min_area', 'integer'],
  ['bbox_min_lng', 'float8'],
  ['bbox_min_lat', 'float8'],
  ['bbox_max_lng', 'float8'],
  ['bbox_max_lat', 'float8'],
  ['near_lat', 'float8'],
  ['near_lng', 'float8'],
  ['radius_km', 'float8'],
];

async function seed(client: pg.Client, count: number): Promise<{ users: number; mix: Record<string, number> }> {
  const rnd = random(14);
  const users = Math.max(1, Math.ceil(count / 4));
  const userIds = Array.from({ length: users }, () => randomUUID());
  await client.query(
    `insert into users (id, email, password_hash, name, role, email_verified_at)
     select id, 'alerts-' || n || '@bench.example', '$2a$04$' || repeat('x', 53), 'Alert user ' || n, 'user', now()
     from unnest($1::uuid[]) with ordinality as t(id, n)`,
    [userIds],
  );
  const counts: Record<string, number> = {};
  const CHUNK = 5000;
  for (let start = 0; start < count; start += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, count - start) }, () => makeSearch(rnd));
    for (const r of rows) {
      for (const key of Object.keys(r.query)) counts[key] = (counts[key] ?? 0) + 1;
      counts[`frequency:${r.frequency}`] = (counts[`frequency:${r.frequency}`] ?? 0) + 1;
    }
    const params: unknown[] = [
      rows.map(() => randomUUID()),
      rows.map((_, i) => userIds[(start + i) % users]),
      rows.map((r) => JSON.stringify(r.query)),
      ...COLUMNS.map(([col]) => rows.map((r) => r.cols[col] ?? null)),
      rows.map((r) => r.alerts),
      rows.map((r) => r.frequency),
      rows.map(() => Math.round(rnd() * 90)),
    ];
    const cols = COLUMNS.map(([col]) => col);
    const casts = COLUMNS.map(([, type], i) => `$${i + 4}::${type}[]`);
    const n = COLUMNS.length;
    await client.query(
      `insert into saved_searches (id, user_id, name, query, ${cols.join(', ')}, alerts, frequency, created_at)
       select id, user_id, 'Bench search', query::jsonb, ${cols.join(', ')}, alerts::listing_alert_kind[],
              frequency::alert_frequency, now() - make_interval(days => age_days + 1)
       from unnest($1::uuid[], $2::uuid[], $3::text[], ${casts.join(', ')}, $${n + 4}::text[], $${n + 5}::text[], $${n + 6}::int[])
         as t(id, user_id, query, ${cols.join(', ')}, alerts, frequency, age_days)`,
      params,
    );
  }
  await client.query('analyze saved_searches');
  await client.query('analyze users');
  const mix = Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, Math.round((v / count) * 1000) / 1000]),
  );
  return { users, mix };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Loops'?: number;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

function scansOf(node: PlanNode, relation: string, out: AlertBenchReport['match']['savedSearchScans'] = []) {
  if (node['Relation Name'] === relation) {
    out.push({
      node: node['Node Type'],
      index: node['Index Name'] ?? null,
      loops: node['Actual Loops'] ?? 0,
      rows: node['Actual Rows'] ?? 0,
    });
  }
  for (const child of node.Plans ?? []) scansOf(child, relation, out);
  return out;
}

/** Drops the price of an active listing by 1%: the trigger writes one price_drop event. */
async function priceDrop(client: pg.Client, id: string): Promise<void> {
  await client.query(`update properties set price = price - greatest(price / 100, 1) where id = $1`, [id]);
}

export async function runAlertBench(options: {
  url: string;
  scale: number;
  log: (line: string) => void;
}): Promise<AlertBenchReport> {
  const { url, log } = options;
  const count = Math.max(20, Math.round(SAVED_SEARCHES * options.scale));
  const small = count < 10_000;
  const client = new pg.Client({ connectionString: url });
  // The bench drops its database when interrupted: that must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => undefined);
  const db = drizzle({ client: pool }) as unknown as Database;
  try {
    const t0 = performance.now();
    const { users, mix } = await seed(client, count);
    // The dataset's own listings were inserted active: their new_listing events are history here.
    await client.query('update listing_events set matched_at = now() where matched_at is null');
    const seedMs = performance.now() - t0;
    log(
      `alerts: ${count.toLocaleString('en-US')} saved searches of ${users.toLocaleString('en-US')} users seeded in ${(seedMs / 1000).toFixed(1)} s`,
    );

    const active = (
      await client.query<{ id: string }>(
        `select id from properties where status = 'active' order by md5(id::text) limit $1`,
        [small ? 25 : 600],
      )
    ).rows.map((r) => r.id);
    if (active.length < 2) throw new Error('alerts: the dataset has no active listings');
    const runs = small ? 3 : 30;
    const dialect = new PgDialect();
    const statement = dialect.sqlToQuery(matchBatchSql(1));
    const timings: number[] = [];
    const reads: number[] = [];
    const matches: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const id = active[i % active.length] as string;
      await priceDrop(client, id);
      const read = dialect.sqlToQuery(alertedSearchCountSql(id, 'price_drop'));
      const readStarted = performance.now();
      await client.query(read.sql, read.params);
      reads.push(performance.now() - readStarted);
      const started = performance.now();
      const result = await client.query<{ matches: string }>(statement.sql, statement.params);
      timings.push(performance.now() - started);
      matches.push(Number(result.rows[0]?.matches ?? 0));
    }
    await priceDrop(client, active[runs % active.length] as string);
    await client.query('begin');
    const explained = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }>(
      `explain (analyze, format json) ${statement.sql}`,
      statement.params,
    );
    await client.query('rollback');
    const plan = explained.rows[0]?.['QUERY PLAN'][0];
    await client.query(statement.sql, statement.params);
    const match = {
      runs,
      readMs: percentiles(reads),
      ms: percentiles(timings),
      explainMs: plan?.['Execution Time'] ?? Number.NaN,
      matchesPerChange: {
        mean: matches.reduce((a, b) => a + b, 0) / Math.max(1, matches.length),
        max: Math.max(0, ...matches),
      },
      savedSearchScans: plan ? scansOf(plan.Plan, 'saved_searches') : [],
    };
    log(
      `alerts: one listing change vs ${count.toLocaleString('en-US')} searches: finding its searches p50 ${match.readMs.p50.toFixed(2)} ms, p95 ${match.readMs.p95.toFixed(2)} ms; the whole statement p50 ${match.ms.p50.toFixed(2)} ms, p95 ${match.ms.p95.toFixed(2)} ms (EXPLAIN ANALYZE ${match.explainMs.toFixed(2)} ms), ${match.matchesPerChange.mean.toFixed(1)} matches per change`,
    );

    // A day of changes, matched by the job, then the daily digest run over every search.
    const changes = small ? 10 : 500;
    for (let i = 0; i < changes; i += 1) await priceDrop(client, active[(runs + 1 + i) % active.length] as string);
    const m0 = performance.now();
    await matchListingEvents(db, { budgetMs: 10 * 60_000 });
    const matchMs = performance.now() - m0;
    const pending = await client.query<{ n: string }>(
      `select count(*) as n from saved_search_matches m join saved_searches s on s.id = m.saved_search_id
       where s.frequency = 'daily' and m.digest_id is null and m.notification_id is null`,
    );
    const d0 = performance.now();
    const outcome = await sendDigests(db, 'daily', { budgetMs: 30 * 60_000 });
    const digest = {
      changes,
      matchMs,
      pendingMatches: Number(pending.rows[0]?.n ?? 0),
      ms: performance.now() - d0,
      digests: outcome.digests,
      attached: outcome.matches,
      batches: outcome.batches,
    };
    log(
      `alerts: daily digest run over ${count.toLocaleString('en-US')} searches: ${digest.digests} digests, ${digest.attached} matches in ${digest.ms.toFixed(0)} ms (${digest.batches} statements); the day's ${changes} changes matched in ${matchMs.toFixed(0)} ms`,
    );
    // Leave no queued alert for the Worker's drain to try to send.
    await client.query(`delete from notification_queue where kind in ('listing_alert', 'alert_digest')`);
    return { searches: count, users, seedMs, mix, match, digest };
  } finally {
    await pool.end();
    await client.end();
  }
}
