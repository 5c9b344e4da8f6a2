import type { TestProject } from 'vitest/node';
import { startFaultProxy } from '../../scripts/local-db/fault-proxy';
import { createTestDatabase } from './test-database';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The fault tests' database, reached through the fault proxy. */
    faultDatabaseUrl: string;
    /** The same database, straight (to check what was really written). */
    faultDirectUrl: string;
    /** The proxy's HTTP control API (see scripts/local-db/fault-proxy.ts). */
    faultControlUrl: string;
  }
}

/**
 * A fault-injecting proxy in front of a database for the resilience tests. On PostgreSQL that
 * database is their own (a scheduled job they cut must not take the lease or the rows of the
 * other job tests); on PGlite, whose start costs half a minute, the proxy fronts the run's
 * shared database and the tests that would disturb others skip. Runs after global-setup.ts.
 */
export default async function setup(project: TestProject) {
  const shared = project.getProvidedContext();
  const database =
    shared.databaseKind === 'postgres'
      ? await createTestDatabase()
      : { url: shared.databaseUrl, close: async () => undefined };
  const url = new URL(database.url);
  const proxy = await startFaultProxy({ upstream: { host: url.hostname, port: Number(url.port || 5432) } });
  project.provide('faultDatabaseUrl', proxy.proxiedUrl(database.url));
  project.provide('faultDirectUrl', database.url);
  project.provide('faultControlUrl', proxy.controlUrl);
  return async () => {
    await proxy.close();
    await database.close();
  };
}
