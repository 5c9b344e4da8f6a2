import { env } from 'cloudflare:test';
import { createDb } from '../../src/db/client';
import { type Bindings, getConfig } from '../../src/env';

/** The Worker's bindings plus what only the test setup passes (vitest.config.ts). */
export type TestBindings = Bindings & {
  DATABASE_OWNER_URL: string;
  DATABASE_KIND: 'pglite' | 'postgres';
  EMAIL_SINK_URL: string;
  /** A second database standing in for a read replica (tests/setup/global-setup.ts). */
  REPLICA_DATABASE_URL: string;
};

const testBindings = env as unknown as TestBindings;

/** The same Drizzle client the Worker uses (Neon HTTP → local stand-in → real database). */
export function testDb() {
  return createDb(getConfig(testBindings));
}

/**
 * The same path as the schema owner. Only for tests that change the schema (e.g. a trigger
 * that injects a fault); everything else goes through testDb(), as the app role when CI
 * runs the suite with TEST_DATABASE_APP_ROLE=1.
 */
export function testOwnerDb() {
  return createDb({ ...getConfig(testBindings), DATABASE_URL: testBindings.DATABASE_OWNER_URL });
}

export function testConfig() {
  return getConfig(testBindings);
}

export const databaseKind = testBindings.DATABASE_KIND;
