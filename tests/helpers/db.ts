import { env } from 'cloudflare:test';
import { createDb } from '../../src/db/client';
import { type Bindings, getConfig } from '../../src/env';

/** The same Drizzle client the Worker uses (Neon HTTP → local stand-in → real database). */
export function testDb() {
  return createDb(getConfig(env as unknown as Bindings));
}

/**
 * The same path as the schema owner. Only for tests that change the schema (e.g. a trigger
 * that injects a fault); everything else goes through testDb(), as the app role when CI
 * runs the suite with TEST_DATABASE_APP_ROLE=1.
 */
export function testOwnerDb() {
  const bindings = env as unknown as Bindings & { DATABASE_OWNER_URL: string };
  return createDb({ ...getConfig(bindings), DATABASE_URL: bindings.DATABASE_OWNER_URL });
}

export function testConfig() {
  return getConfig(env as unknown as Bindings);
}

export const databaseKind = (env as unknown as { DATABASE_KIND: 'pglite' | 'postgres' }).DATABASE_KIND;
