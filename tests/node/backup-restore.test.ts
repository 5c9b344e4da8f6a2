import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, backupName } from '../../scripts/db/backup';
import { migrateDatabase } from '../../scripts/db/migrate';
import { restoreDatabase } from '../../scripts/db/restore';

const serverUrl = process.env.TEST_DATABASE_URL;
const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const source = `gsr_backup_src_${suffix}`;
const target = `gsr_backup_dst_${suffix}`;

function urlOf(name: string): string {
  const url = new URL(serverUrl as string);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Every table's row count and an md5 of its rows, in a stable order. */
async function fingerprint(url: string): Promise<Record<string, { rows: number; md5: string }>> {
  return withClient(url, async (c) => {
    const { rows: tables } = await c.query<{ schema: string; name: string }>(
      `select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname in ('public', 'drizzle') order by 1, 2`,
    );
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const t of tables) {
      const q = `"${t.schema}"."${t.name}"`;
      const { rows } = await c.query<{ n: number; md5: string }>(
        `select count(*)::int as n, md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as md5 from ${q} x`,
      );
      out[`${t.schema}.${t.name}`] = { rows: rows[0]?.n ?? -1, md5: rows[0]?.md5 ?? '' };
    }
    return out;
  });
}

async function populate(url: string): Promise<void> {
  await withClient(url, async (c) => {
    const user = uuidv7();
    await c.query(
      `insert into users (id, email, password_hash, name, role) values ($1, 'owner@example.com', '$2a$04$abcdefghijklmnopqrstuv', 'Zoë O''Brien', 'super_admin')`,
      [user],
    );
    for (let i = 0; i < 25; i++) {
      const property = uuidv7();
      await c.query(
        `insert into properties (id, slug, title, description, property_type, listing_type, status, price, bathrooms,
           address_line1, city, country, latitude, longitude, features, created_by)
         values ($1, $2, $3, 'Sunny, with "quotes", tabs\tand a newline\nhere', 'house', 'sale', 'active', $4, 1.5,
           '1 Main St', 'Lisboa', 'PT', 38.7, -9.1, array['garden', 'pool'], $5)`,
        [property, `house-${i}`, `House number ${i}`, 100_000_00 + i, user],
      );
      await c.query(
        `insert into property_images (id, property_id, r2_key, content_type, byte_size, width, height, sha256, sort_order, is_cover)
         values ($1, $2, $3, 'image/webp', 1234, 800, 600, repeat('a', 64), 0, true)`,
        [uuidv7(), property, `properties/${property}/cover.webp`],
      );
      await c.query(
        `insert into property_status_history (id, property_id, from_status, to_status, changed_by) values ($1, $2, 'draft', 'active', $3)`,
        [uuidv7(), property, user],
      );
      await c.query(
        `insert into inquiries (id, property_id, name, email, message) values ($1, $2, 'Ana', 'ana@example.com', 'I would like to visit.')`,
        [uuidv7(), property],
      );
      await c.query(
        `insert into analytics_events (id, type, property_id, metadata) values ($1, 'property_view', $2, $3)`,
        [uuidv7(), property, { source: 'test', n: i, nested: { emoji: '🏠' } }],
      );
    }
  });
}

describe.skipIf(!serverUrl)('backup and restore (PostgreSQL; skipped without TEST_DATABASE_URL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gsr-backups-'));

  beforeAll(async () => {
    await withClient(serverUrl as string, async (c) => {
      await c.query(`create database ${source}`);
      await c.query(`create database ${target}`);
    });
    await migrateDatabase(urlOf(source));
    await populate(urlOf(source));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await withClient(serverUrl as string, async (c) => {
      await c.query(`drop database if exists ${source} with (force)`);
      await c.query(`drop database if exists ${target} with (force)`);
    });
  });

  it('npm run db:backup + db:restore reproduce every table with the same row count and checksum', async () => {
    const now = new Date();
    const old = backupName(new Date(now.getTime() - 31 * 24 * 3600 * 1000));
    const recent = backupName(new Date(now.getTime() - 29 * 24 * 3600 * 1000));
    writeFileSync(join(dir, old), 'old');
    writeFileSync(join(dir, recent), 'recent');
    writeFileSync(join(dir, 'notes.txt'), 'not a backup');

    const result = await backupDatabase({ url: urlOf(source), dir, now });
    expect(result.bytes).toBeGreaterThan(0);
    expect(result.removed).toEqual([old]);
    expect(readdirSync(dir).sort()).toEqual([backupName(now), recent, 'notes.txt'].sort());

    await restoreDatabase({ file: result.file, targetUrl: urlOf(target) });

    // The dump is taken before its own backup_runs row is written.
    const { 'public.backup_runs': recorded, ...before } = await fingerprint(urlOf(source));
    const { 'public.backup_runs': restoredRuns, ...after } = await fingerprint(urlOf(target));
    expect(result.recordError).toBeUndefined();
    expect(recorded?.rows).toBe(1);
    expect(restoredRuns?.rows).toBe(0);
    const [run] = await withClient(
      urlOf(source),
      async (c) =>
        (
          await c.query(
            "select file, bytes::int as bytes, finished_at > now() - interval '1 minute' as fresh from backup_runs",
          )
        ).rows,
    );
    expect(run).toEqual({ file: backupName(now), bytes: result.bytes, fresh: true });
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining(['public.users', 'public.properties', 'drizzle.__drizzle_migrations']),
    );
    expect(before['public.properties']?.rows).toBe(25);
    expect(after).toEqual(before);
  });

  it('npm run db:restore refuses a target database that already holds tables', async () => {
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.dump') && f.length > 12);
    await expect(restoreDatabase({ file: join(dir, file as string), targetUrl: urlOf(target) })).rejects.toThrow(
      /not empty/,
    );
  });

  it('npm run db:restore fails on a file that is not a backup, leaving the target untouched', async () => {
    const bogus = join(dir, 'bogus.dump');
    writeFileSync(bogus, 'definitely not a pg_dump archive');
    const fresh = `gsr_backup_bogus_${suffix}`;
    await withClient(serverUrl as string, (c) => c.query(`create database ${fresh}`));
    try {
      await expect(restoreDatabase({ file: bogus, targetUrl: urlOf(fresh) })).rejects.toThrow(/pg_restore/);
      const tables = await fingerprint(urlOf(fresh));
      expect(tables).toEqual({});
    } finally {
      await withClient(serverUrl as string, (c) => c.query(`drop database if exists ${fresh} with (force)`));
    }
  });
});
