import pg from 'pg';
import { migrateDatabase } from '../../scripts/db/migrate';
import { startEmbeddedPostgres } from '../../scripts/local-db/embedded-postgres';

export interface TestDatabase {
  url: string;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * A fresh, migrated database for one test run: an in-memory PGlite, or, with
 * TEST_DATABASE_URL, a uniquely named database on that server, dropped at the end.
 */
export async function createTestDatabase(serverUrl = process.env.TEST_DATABASE_URL): Promise<TestDatabase> {
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({ port: 0 });
    await migrateDatabase(embedded.url);
    return { url: embedded.url, kind: 'pglite', close: embedded.close };
  }
  const name = `gsr_test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return {
    url: url.toString(),
    kind: 'postgres',
    close: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
