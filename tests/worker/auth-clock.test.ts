import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/env';
import { requestClock, TEST_CLOCK_HEADER } from '../../src/lib/clock';
import { testConfig } from '../helpers/db';

async function offsetFor(environment: string, header?: string): Promise<number> {
  const app = new Hono<AppEnv>();
  app.get('/', (c) => c.json({ offset: requestClock(c).offsetMs }));
  const env = {
    DATABASE_URL: testConfig().DATABASE_URL,
    JWT_SECRET: testConfig().JWT_SECRET,
    ENVIRONMENT: environment,
  };
  const res = await app.request('/', { headers: header ? { [TEST_CLOCK_HEADER]: header } : {} }, env);
  return ((await res.json()) as { offset: number }).offset;
}

describe('test clock', () => {
  it('GET with X-Test-Clock-Offset-Ms shifts the clock only when ENVIRONMENT is test', async () => {
    expect(await offsetFor('test', '60000')).toBe(60_000);
    expect(await offsetFor('production', '60000')).toBe(0);
    expect(await offsetFor('development', '60000')).toBe(0);
  });

  it('GET with a malformed or huge clock offset falls back to the real clock', async () => {
    expect(await offsetFor('test', 'abc')).toBe(0);
    expect(await offsetFor('test', '1e9')).toBe(0);
    expect(await offsetFor('test', String(10 * 365 * 24 * 3600 * 1000))).toBe(0);
    expect(await offsetFor('test', '-5000')).toBe(-5000);
  });
});
