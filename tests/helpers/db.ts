import { env } from 'cloudflare:test';
import { createDb } from '../../src/db/client';
import { type Bindings, getConfig } from '../../src/env';

/** The same Drizzle client the Worker uses (Neon HTTP → local stand-in → real database). */
export function testDb() {
  return createDb(getConfig(env as unknown as Bindings));
}

export function testConfig() {
  return getConfig(env as unknown as Bindings);
}

export const databaseKind = (env as unknown as { DATABASE_KIND: 'pglite' | 'postgres' }).DATABASE_KIND;
