import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../../scripts/db/migrate';
import { startEmbeddedPostgres } from '../../scripts/local-db/embedded-postgres';

const serverUrl = process.env.TEST_DATABASE_URL;
/** The last migration before analytics_events was partitioned. */
const BEFORE = '0019_audit-log-append-only';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const relations = (n: PlanNode): string[] => [
  ...(n['Relation Name'] ? [n['Relation Name']] : []),
  ...(n.Plans ?? []).flatMap(relations),
];

/** A copy of drizzle/ whose journal stops at `tag`: the schema as a deployed database had it. */
function migrationsUpTo(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gsr-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const end = journal.entries.findIndex((e) => e.tag === tag);
  if (end < 0) throw new Error(`no migration ${tag}`);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

const EVENTS_AT = [
  '2026-01-15T12:00:00Z',
  '2026-03-31T23:59:59.999Z',
  '2026-04-01T00:00:00Z',
  '2026-04-20T08:30:00Z',
  '2026-06-02T10:00:00Z',
];

describe('analytics_events partitioned by month', () => {
  let url: string;
  let close: () => Promise<void>;
  let client: pg.Client;
  let before: { rows: number; md5: string; views: unknown[] };
  let property: string;
  const folders: string[] = [];

  const fingerprint = async () => {
    const { rows } = await client.query<{ rows: number; md5: string }>(
      `select count(*)::int as rows, md5(coalesce(string_agg(e::text, E'\\n' order by e.id), '')) as md5
       from (select id, type, property_id, user_id, ip_address, metadata, created_at from analytics_events) e`,
    );
    const views = await client.query(
      'select day::text, property_id, views::int from analytics_daily_views order by 1, 2',
    );
    return { rows: rows[0]?.rows ?? -1, md5: rows[0]?.md5 ?? '', views: views.rows };
  };

  beforeAll(async () => {
    if (serverUrl) {
      const name = `gsr_partitions_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const u = new URL(serverUrl);
      u.pathname = `/${name}`;
      url = u.toString();
      close = async () => {
        const a = new pg.Client({ connectionString: serverUrl });
        await a.connect();
        await a.query(`drop database if exists ${name} with (force)`);
        await a.end();
      };
    } else {
      const embedded = await startEmbeddedPostgres({ port: 0 });
      url = embedded.url;
      close = embedded.close;
    }
    const old = migrationsUpTo(BEFORE);
    folders.push(old);
    await migrateDatabase(url, old);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    const user = uuidv7();
    property = uuidv7();
    await client.query(
      `insert into users (id, email, password_hash, name, role) values ($1, 'p@example.com', '$2a$04$abcdefghijklmnopqrstuv', 'P', 'admin')`,
      [user],
    );
    await client.query(
      `insert into properties (id, slug, title, description, property_type, listing_type, status, price, bathrooms,
         address_line1, city, country, latitude, longitude, created_by)
       values ($1, 'one', 'One', 'd', 'house', 'sale', 'active', 100, 1, 'a', 'Lisboa', 'PT', 38.7, -9.1, $2)`,
      [property, user],
    );
    for (const [i, at] of EVENTS_AT.entries()) {
      await client.query(
        `insert into analytics_events (id, type, property_id, user_id, metadata, created_at)
         values ($1, 'property_view', $2, null, $3, $4), ($5, 'search', null, $6, '{}', $4)`,
        [uuidv7(), property, { n: i }, at, uuidv7(), user],
      );
    }
    before = await fingerprint();
    await migrateDatabase(url);
  });

  afterAll(async () => {
    await client?.end();
    await close?.();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('the migration converts the table without losing or changing a row, and the rollup is not counted twice', async () => {
    const { rows } = await client.query<{ relkind: string }>(
      `select relkind from pg_class where oid = 'analytics_events'::regclass`,
    );
    expect(rows[0]?.relkind).toBe('p');
    expect(before.rows).toBe(10);
    expect(await fingerprint()).toEqual(before);
  });

  it('each row lives in the partition of its UTC month', async () => {
    const { rows } = await client.query<{ part: string; at: string }>(
      `select tableoid::regclass::text as part, to_char(created_at at time zone 'UTC', 'YYYY_MM') as at
       from analytics_events`,
    );
    for (const r of rows) expect(r.part).toBe(`analytics_events_${r.at}`);
    const parts = await client.query<{ name: string }>(
      `select inhrelid::regclass::text as name from pg_inherits where inhparent = 'analytics_events'::regclass order by 1`,
    );
    // From the oldest row's month through two months after the current one, and the default.
    expect(parts.rows.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'analytics_events_2026_01',
        'analytics_events_2026_02',
        'analytics_events_2026_03',
        'analytics_events_2026_04',
        'analytics_events_default',
      ]),
    );
  });

  it('a new view still reaches the daily rollup once, through the partitioned table', async () => {
    await client.query(
      `insert into analytics_events (id, type, property_id, created_at) values ($1, 'property_view', $2, '2026-04-20T09:00:00Z')`,
      [uuidv7(), property],
    );
    const { rows } = await client.query<{ views: number }>(
      `select views::int from analytics_daily_views where day = '2026-04-20' and property_id = $1`,
      [property],
    );
    expect(rows[0]?.views).toBe(2);
  });

  it('a partition created later takes over the rows of its month from the default partition', async () => {
    const id = uuidv7();
    await client.query(
      `insert into analytics_events (id, type, created_at) values ($1, 'search', '2019-05-05T00:00:00Z')`,
      [id],
    );
    const where = await client.query<{ part: string }>(
      `select tableoid::regclass::text as part from analytics_events where id = $1`,
      [id],
    );
    expect(where.rows[0]?.part).toBe('analytics_events_default');
    const created = await client.query<{ name: string }>(
      `select analytics_events_create_partitions('2019-05-05T00:00:00Z', 0) as name`,
    );
    expect(created.rows.map((r) => r.name)).toContain('analytics_events_2019_05');
    const moved = await client.query<{ part: string }>(
      `select tableoid::regclass::text as part from analytics_events where id = $1`,
      [id],
    );
    expect(moved.rows[0]?.part).toBe('analytics_events_2019_05');
  });

  it('retention drops whole months past the period and keeps the rest', async () => {
    const days = Math.floor((Date.now() - Date.parse('2026-04-01T00:00:00Z')) / 86_400_000);
    const dropped = await client.query<{ name: string }>(`select analytics_events_drop_partitions($1) as name`, [days]);
    expect(dropped.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['analytics_events_2019_05', 'analytics_events_2026_01', 'analytics_events_2026_03']),
    );
    expect(dropped.rows.map((r) => r.name)).not.toContain('analytics_events_2026_04');
    const { rows } = await client.query<{ at: string }>(
      `select min(created_at) as at from analytics_events where tableoid <> 'analytics_events_default'::regclass`,
    );
    expect(new Date(rows[0]?.at ?? 0).toISOString()).toBe('2026-04-01T00:00:00.000Z');
    await expect(client.query('select analytics_events_drop_partitions(0)')).rejects.toThrow(/at least 1/);
  });

  it.skipIf(!serverUrl)(
    'EXPLAIN: a date-bounded read of analytics_events scans only the partitions of its months',
    async () => {
      await client.query('analyze analytics_events');
      const plan = async (text: string, params: unknown[] = []) => {
        const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
          `explain (format json) ${text}`,
          params,
        );
        return relations(rows[0]?.['QUERY PLAN'][0]?.Plan as PlanNode);
      };
      // Views per listing per day of April: what recounting a window of the dashboard reads.
      const april = await plan(
        `select property_id, (created_at at time zone 'UTC')::date, count(*) from analytics_events
       where type = 'property_view' and created_at >= $1 and created_at < $2 group by 1, 2`,
        ['2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z'],
      );
      expect(new Set(april)).toEqual(new Set(['analytics_events_2026_04']));
      const twoMonths = await plan(`select count(*) from analytics_events where created_at >= $1 and created_at < $2`, [
        '2026-04-15T00:00:00Z',
        '2026-05-15T00:00:00Z',
      ]);
      expect(new Set(twoMonths)).toEqual(new Set(['analytics_events_2026_04', 'analytics_events_2026_05']));
    },
  );
});
