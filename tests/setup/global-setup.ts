import type { TestProject } from 'vitest/node';
import { startLocalNeon } from '../../scripts/local-db/local-neon';
import { createTestDatabase } from './test-database';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseOwnerUrl: string;
    databaseKind: 'pglite' | 'postgres';
    neonHttpEndpoint: string;
    neonWsProxy: string;
  }
}

/** One database and one local Neon stand-in for the whole run, shared by both projects. */
export default async function setup(project: TestProject) {
  const database = await createTestDatabase();
  const neon = await startLocalNeon({ port: 0 });
  project.provide('databaseUrl', database.url);
  project.provide('databaseOwnerUrl', database.ownerUrl);
  project.provide('databaseKind', database.kind);
  project.provide('neonHttpEndpoint', neon.httpEndpoint);
  project.provide('neonWsProxy', neon.wsProxyHost);
  return async () => {
    await neon.close();
    await database.close();
  };
}
