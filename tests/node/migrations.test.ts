import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../../scripts/db/migrate';
import { createTestDatabase, type TestDatabase } from '../setup/test-database';

const EXPECTED_TABLES = [
  'account_tokens',
  'alert_digests',
  'alerts',
  'analytics_daily_views',
  'analytics_events',
  'analytics_view_claims',
  'audit_log',
  'backup_runs',
  'dashboard_snapshots',
  'favorites',
  'inquiries',
  'inquiry_events',
  'job_runs',
  'listing_events',
  'listing_facet_counts',
  'login_throttles',
  'notification_queue',
  'properties',
  'property_images',
  'property_price_history',
  'property_status_history',
  'refresh_tokens',
  'saved_search_matches',
  'saved_searches',
  'sessions',
  'table_size_samples',
  'users',
];

describe('migrations', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: database.ownerUrl });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  }

  it('db:migrate creates every table of the schema', async () => {
    const rows = await query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_name::text not in (select inhrelid::regclass::text from pg_inherits) order by table_name",
    );
    expect(rows.map((r) => r.table_name)).toEqual(EXPECTED_TABLES);
  });

  it('db:migrate a second time applies nothing and changes nothing', async () => {
    const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
      entries: unknown[];
    };
    const before = await query<{ count: string }>('select count(*)::text as count from drizzle.__drizzle_migrations');
    await migrateDatabase(database.ownerUrl);
    await migrateDatabase(database.ownerUrl);
    const after = await query<{ count: string }>('select count(*)::text as count from drizzle.__drizzle_migrations');
    expect(Number(before[0]?.count)).toBe(journal.entries.length);
    expect(after).toEqual(before);
  });

  it('db:migrate installs the updated_at trigger on every table with that column', async () => {
    const withColumn = await query<{ table_name: string }>(
      "select table_name from information_schema.columns where table_schema = 'public' and column_name = 'updated_at' order by 1",
    );
    const triggers = await query<{ table_name: string }>(
      "select event_object_table as table_name from information_schema.triggers where action_statement like '%update_updated_at_column%' group by 1 order by 1",
    );
    expect(withColumn.length).toBeGreaterThan(0);
    expect(triggers.map((t) => t.table_name)).toEqual(withColumn.map((t) => t.table_name));
  });

  it('db:migrate creates the indexes the seed lists', async () => {
    const rows = await query<{ indexname: string }>("select indexname from pg_indexes where schemaname = 'public'");
    const names = rows.map((r) => r.indexname);
    for (const index of [
      'idx_users_email',
      'idx_properties_status',
      'idx_properties_price',
      'idx_properties_location',
      'idx_inquiries_status',
      'idx_inquiries_created_at',
    ]) {
      expect(names).toContain(index);
    }
  });
});
