import { type SQL, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { type AppEnv, getConfig } from '../env';

/**
 * "Now" for time-based rules (lockouts, refresh grace windows, session lifetimes).
 *
 * The database clock is the reference: rules compare in SQL against `sqlNow`, which is
 * `now()` (the transaction's start, so one statement or batch sees one instant). Tests need
 * to move time forward without sleeping, so a request may carry a clock offset in the
 * `X-Test-Clock-Offset-Ms` header, which shifts `sqlNow` and `now()` by that many ms.
 *
 * Why this cannot be abused in production: the header is read ONLY when the Worker's
 * ENVIRONMENT variable is exactly 'test'. ENVIRONMENT comes from wrangler.toml / deploy
 * configuration (default 'production' there and in env.ts), never from a request, and only
 * the vitest config sets 'test'. Everywhere else the header is ignored and `sqlNow` is the
 * plain `now()` with no parameter at all.
 */
export interface Clock {
  readonly offsetMs: number;
  now(): Date;
  readonly sqlNow: SQL;
}

export const TEST_CLOCK_HEADER = 'X-Test-Clock-Offset-Ms';
const MAX_OFFSET_MS = 400 * 24 * 3600 * 1000;

export function offsetClock(offsetMs: number): Clock {
  return {
    offsetMs,
    now: () => new Date(Date.now() + offsetMs),
    sqlNow: offsetMs === 0 ? sql`now()` : sql`(now() + ${String(offsetMs)}::float8 * interval '1 millisecond')`,
  };
}

export const systemClock: Clock = offsetClock(0);

export function requestClock(c: Pick<Context<AppEnv>, 'env' | 'req'>): Clock {
  if (getConfig(c.env).ENVIRONMENT !== 'test') return systemClock;
  const raw = c.req.header(TEST_CLOCK_HEADER);
  if (!raw || !/^-?\d{1,13}$/.test(raw)) return systemClock;
  const offset = Number(raw);
  return Math.abs(offset) <= MAX_OFFSET_MS ? offsetClock(offset) : systemClock;
}
