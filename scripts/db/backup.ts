import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { libpqEnv, pgTool, run } from './pg-tools';
import { deleteObject, listKeys, putObject, type S3Target, s3TargetFromEnv } from './s3';

const NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.dump$/;

export interface BackupOptions {
  url: string;
  dir?: string;
  retentionDays?: number;
  now?: Date;
  /** Write a backup_runs row into the database once the dump is complete (default true). */
  record?: boolean;
  /** Also upload the dump to this bucket under `s3Prefix`, and expire the prefix's old backups there. */
  s3?: S3Target;
  s3Prefix?: string;
}

export interface BackupResult {
  file: string;
  bytes: number;
  removed: string[];
  /** `s3://bucket/key` of the uploaded copy, and the keys expired from the bucket. */
  uploaded?: string;
  removedFromBucket?: string[];
  /** Why the backup_runs row could not be written (the backup itself is complete). */
  recordError?: string;
}

/**
 * Tells the API a backup finished (its age is what the `backup_stale` alert watches). Written
 * after the dump, so a dump never contains its own row.
 */
export async function recordBackup(url: string, row: { file: string; bytes: number; location: string }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('insert into backup_runs (id, file, bytes, location) values ($1, $2, $3, $4)', [
      uuidv7(),
      row.file,
      row.bytes,
      row.location,
    ]);
  } finally {
    await client.end();
  }
}

export function backupName(at: Date): string {
  return `${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}.dump`;
}

/** When a backup file was taken, from its name (copying a file must not reset its age). */
function takenAt(file: string): Date | undefined {
  const m = NAME.exec(file);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
}

/**
 * `pg_dump -Fc` of the database into `<dir>/<UTC timestamp>.dump`, then removes the backups
 * of that directory older than the retention period. Only files named like our backups are
 * ever removed, and only after the new one was written.
 */
export async function backupDatabase(options: BackupOptions): Promise<BackupResult> {
  const dir = resolve(options.dir ?? 'backups');
  const now = options.now ?? new Date();
  const retentionDays = options.retentionDays ?? 30;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, backupName(now));
  const partial = `${file}.partial`;
  // Written under another name first, so an interrupted dump never looks like a backup.
  await run(
    pgTool('pg_dump'),
    ['--format=custom', '--compress=6', '--no-password', `--file=${partial}`],
    libpqEnv(options.url),
  );
  renameSync(partial, file);

  const cutoff = now.getTime() - retentionDays * 24 * 3600 * 1000;
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const at = takenAt(name);
    if (at && at.getTime() < cutoff) {
      rmSync(join(dir, name));
      removed.push(name);
    }
  }
  const bytes = statSync(file).size;
  let uploaded: string | undefined;
  const removedFromBucket: string[] = [];
  if (options.s3) {
    const prefix = options.s3Prefix ?? 'backups/';
    const key = `${prefix}${basename(file)}`;
    await putObject(options.s3, key, readFileSync(file));
    uploaded = `s3://${options.s3.bucket}/${key}`;
    // Expired by the name's timestamp, like the local files; only after the new one is stored.
    for (const old of await listKeys(options.s3, prefix)) {
      const at = takenAt(old.slice(prefix.length));
      if (at && at.getTime() < cutoff) {
        await deleteObject(options.s3, old);
        removedFromBucket.push(old);
      }
    }
  }
  let recordError: string | undefined;
  if (options.record ?? true) {
    try {
      await recordBackup(options.url, { file: basename(file), bytes, location: uploaded ?? file });
    } catch (error) {
      recordError = error instanceof Error ? error.message : String(error);
    }
  }
  return {
    file,
    bytes,
    removed,
    ...(uploaded ? { uploaded, removedFromBucket } : {}),
    ...(recordError ? { recordError } : {}),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set.');
    process.exit(2);
  }
  try {
    const result = await backupDatabase({
      url,
      dir: process.env.BACKUP_DIR,
      retentionDays: process.env.BACKUP_RETENTION_DAYS ? Number(process.env.BACKUP_RETENTION_DAYS) : undefined,
      s3: s3TargetFromEnv(process.env),
      s3Prefix: process.env.BACKUP_S3_PREFIX,
    });
    if (result.uploaded) console.log(`Uploaded: ${result.uploaded}`);
    if (result.removedFromBucket?.length)
      console.log(`Expired from the bucket: ${result.removedFromBucket.join(', ')}`);
    console.log(`Backup written: ${result.file} (${result.bytes} bytes)`);
    if (result.removed.length > 0) console.log(`Removed old backups: ${result.removed.join(', ')}`);
    if (result.recordError) {
      console.warn(`The backup is complete but could not be recorded in backup_runs: ${result.recordError}`);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
