import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, backupName } from '../../scripts/db/backup';
import { migrateDatabase } from '../../scripts/db/migrate';
import { listKeys, putObject, type S3Target } from '../../scripts/db/s3';

const serverUrl = process.env.TEST_DATABASE_URL;
// s3rver: an S3-compatible server on the local disk (a dev dependency). Needs PostgreSQL for pg_dump.
const S3RVER = 's3rver';
const s3rver = await import(/* @vite-ignore */ S3RVER);

describe.skipIf(!serverUrl)('npm run db:backup to an S3-compatible bucket (s3rver)', () => {
  const name = `gsr_backup_s3_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'gsr-backups-s3-'));
  const store = mkdtempSync(join(tmpdir(), 'gsr-s3rver-'));
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let target: S3Target;
  let url: string;

  beforeAll(async () => {
    const S3rver = s3rver.default;
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: store,
      configureBuckets: [{ name: 'backups' }],
    });
    const { port } = await server.run();
    target = {
      endpoint: `http://127.0.0.1:${port}`,
      bucket: 'backups',
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    };
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(serverUrl as string);
    u.pathname = `/${name}`;
    url = u.toString();
    await migrateDatabase(url);
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(store, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('uploads the dump, expires the bucket copies past the retention period and records the upload', async () => {
    const now = new Date();
    const old = `nightly/${backupName(new Date(now.getTime() - 31 * 86_400_000))}`;
    const recent = `nightly/${backupName(new Date(now.getTime() - 29 * 86_400_000))}`;
    await putObject(target, old, Buffer.from('old'));
    await putObject(target, recent, Buffer.from('recent'));
    await putObject(target, 'nightly/notes.txt', Buffer.from('not a backup'));

    const result = await backupDatabase({ url, dir, now, s3: target, s3Prefix: 'nightly/' });
    expect(result.uploaded).toBe(`s3://backups/nightly/${backupName(now)}`);
    expect(result.removedFromBucket).toEqual([old]);
    expect((await listKeys(target, 'nightly/')).sort()).toEqual(
      [`nightly/${backupName(now)}`, recent, 'nightly/notes.txt'].sort(),
    );
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('select location from backup_runs');
    await client.end();
    expect(rows).toEqual([{ location: result.uploaded }]);
  });
});
