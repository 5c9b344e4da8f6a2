import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Applies the drizzle-kit migrations in `drizzle/` over one direct connection. The same
 * function serves `npm run db:migrate` (production: DATABASE_URL is Neon), `npm run dev`
 * and the test setup. Already-applied migrations are skipped, so it is safe to re-run.
 */
export async function migrateDatabase(url: string, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Keeps the notices of CREATE ... IF NOT EXISTS out of the output.
    await client.query("set client_min_messages = 'warning'");
    await migrate(drizzle({ client }), { migrationsFolder });
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set.');
    process.exit(2);
  }
  await migrateDatabase(url);
  console.log('Migrations applied.');
}
