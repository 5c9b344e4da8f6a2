import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { libpqEnv, pgTool, run } from './pg-tools';

export interface RestoreOptions {
  file: string;
  targetUrl: string;
  /** Keep the dump's owners and grants (the target must have the same roles). */
  keepOwners?: boolean;
}

/**
 * `pg_restore` of a `pg_dump -Fc` file into an EMPTY database, in one transaction: it either
 * restores everything or nothing. Owners and grants are dropped by default (the roles of the
 * source rarely exist on the target); run `npm run db:roles` on the target afterwards.
 */
export async function restoreDatabase(options: RestoreOptions): Promise<void> {
  if (!existsSync(options.file)) throw new Error(`no such backup file: ${options.file}`);
  const client = new pg.Client({ connectionString: options.targetUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`,
    );
    if ((rows[0]?.n ?? 0) > 0) {
      throw new Error('the target database is not empty; restore into a new database (then switch to it)');
    }
  } finally {
    await client.end();
  }
  const args = [
    '--single-transaction',
    '--exit-on-error',
    '--no-password',
    `--dbname=${libpqEnv(options.targetUrl).PGDATABASE}`,
  ];
  if (!options.keepOwners) args.push('--no-owner', '--no-acl');
  args.push(options.file);
  await run(pgTool('pg_restore'), args, libpqEnv(options.targetUrl));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, target] = process.argv.slice(2);
  const targetUrl = target ?? process.env.RESTORE_DATABASE_URL;
  if (!file || !targetUrl) {
    console.error('usage: npm run db:restore -- FILE [TARGET_URL]   (or set RESTORE_DATABASE_URL)');
    process.exit(2);
  }
  try {
    await restoreDatabase({ file, targetUrl, keepOwners: process.env.RESTORE_KEEP_OWNERS === '1' });
    console.log(`Restored ${file} into the target database.`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
