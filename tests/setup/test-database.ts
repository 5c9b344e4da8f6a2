import pg from 'pg';
import { migrateDatabase } from '../../scripts/db/migrate';
import { applyRoles, dropRoles, withCredentials } from '../../scripts/db/roles';
import { startEmbeddedPostgres } from '../../scripts/local-db/embedded-postgres';

export interface TestDatabase {
  /** What the Worker connects as: the app role when TEST_DATABASE_APP_ROLE=1. */
  url: string;
  /** The schema owner: for migrations and for tests that must change the schema (fault injection). */
  ownerUrl: string;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * A fresh, migrated database for one test run: an in-memory PGlite, or, with
 * TEST_DATABASE_URL, a uniquely named database on that server, dropped at the end.
 */
export async function createTestDatabase(
  serverUrl = process.env.TEST_DATABASE_URL,
  options: { appRole?: boolean } = {},
): Promise<TestDatabase> {
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({ port: 0 });
    await migrateDatabase(embedded.url);
    return { url: embedded.url, ownerUrl: embedded.url, kind: 'pglite', close: embedded.close };
  }
  const name = `gsr_test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const appRole = options.appRole ?? process.env.TEST_DATABASE_APP_ROLE === '1';
  if (appRole) return appRoleDatabase(serverUrl, url.toString(), name);
  await migrateDatabase(url.toString());
  return {
    url: url.toString(),
    ownerUrl: url.toString(),
    kind: 'postgres',
    close: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

// --- TEST_DATABASE_APP_ROLE=1 (PostgreSQL only): the suite runs as the least-privilege app role ---

/**
 * Creates this run's own owner and app roles (roles are cluster-wide, so the names carry the
 * database's unique name), applies scripts/db/roles.sql, migrates as the owner, applies the
 * roles again for the new tables, and hands the tests the app role's URL. Close drops it all.
 */
async function appRoleDatabase(serverUrl: string, adminUrl: string, name: string): Promise<TestDatabase> {
  const roles = {
    owner: `${name}_owner`,
    app: `${name}_app`,
    ownerPassword: `o_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
    appPassword: `a_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
  };
  const drop = async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
    await dropRoles(serverUrl, [roles.app, roles.owner]);
  };
  try {
    await applyRoles(adminUrl, roles);
    await migrateDatabase(withCredentials(adminUrl, roles.owner, roles.ownerPassword));
    await applyRoles(adminUrl, roles);
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return {
    url: withCredentials(adminUrl, roles.app, roles.appPassword),
    ownerUrl: withCredentials(adminUrl, roles.owner, roles.ownerPassword),
    kind: 'postgres',
    close: drop,
  };
}
