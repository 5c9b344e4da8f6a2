import type { TestProject } from 'vitest/node';
import { type LocalNeon, startLocalNeon } from '../../scripts/local-db/local-neon';
import { createTestDatabase, type TestDatabase } from './test-database';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseOwnerUrl: string;
    databaseKind: 'pglite' | 'postgres';
    neonHttpEndpoint: string;
    neonWsProxy: string;
    /** A second database of the same schema, standing in for a read replica whose rows differ. */
    replicaDatabaseUrl: string;
  }
}

interface Shared {
  ready: Promise<{ database: TestDatabase; replica: TestDatabase; neon: LocalNeon }>;
  users: number;
}

// Every project that lists this file calls it in the same vitest process, each through its own
// module loader: the shared state lives on globalThis so the database boots (and migrates) once.
const KEY = Symbol.for('gentle-space-realty.test-database');
const registry = globalThis as unknown as Record<symbol, Shared | undefined>;

async function start() {
  // The replica is connected to as its owner: it only has to answer the public reads.
  const [database, replica] = await Promise.all([
    createTestDatabase(),
    createTestDatabase(undefined, { appRole: false }),
  ]);
  const neon = await startLocalNeon({ port: 0 });
  return { database, replica, neon };
}

/** One database and one local Neon stand-in for the whole run, shared by every project. */
export default async function setup(project: TestProject) {
  const shared = registry[KEY] ?? { ready: start(), users: 0 };
  registry[KEY] = shared;
  shared.users += 1;
  const { database, replica, neon } = await shared.ready;
  project.provide('databaseUrl', database.url);
  project.provide('databaseOwnerUrl', database.ownerUrl);
  project.provide('databaseKind', database.kind);
  project.provide('neonHttpEndpoint', neon.httpEndpoint);
  project.provide('neonWsProxy', neon.wsProxyHost);
  project.provide('replicaDatabaseUrl', replica.url);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    registry[KEY] = undefined;
    await neon.close();
    await Promise.all([database.close(), replica.close()]);
  };
}
