import { randomBytes, randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { signAccessToken, verifyAccessToken } from '../../src/services/auth/access-token';
import type { SqlObservation, SqlQuery } from '../local-db/neon-http';
import { BENCH_PASSWORD } from './dataset';
import type { LoadRequest } from './load-types';
import { type Percentiles, percentiles } from './load-types';
import type { SqlObserver } from './sql-observer';

export interface Capture {
  status: number;
  /** /sql requests answered before the response reached the client: the request's own path. */
  foreground: SqlObservation[];
  /** /sql requests that finished later (waitUntil work: view counts, email kicks). */
  background: SqlObservation[];
  /** Wall clock (ms since epoch) around the request: ids minted inside it are the request's own. */
  window: { start: number; end: number };
}

/** Sends one request and keeps the statements the stand-in received for it. */
export async function captureRequest(
  baseUrl: string,
  observer: SqlObserver,
  request: LoadRequest,
  body: Buffer | string | undefined,
): Promise<Capture> {
  // Leftovers of the previous run (requests the load generator abandoned, waitUntil work).
  await observer.waitForQuiet();
  observer.reset(true, CAPTURE_DELAY_MS);
  const start = Date.now();
  const res = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: body as BodyInit | undefined,
  });
  await res.arrayBuffer();
  const answeredAt = performance.now();
  // Background work (ctx.waitUntil) starts right after the response.
  await observer.waitForQuiet();
  const all = observer.recorded();
  observer.reset(false);
  return {
    status: res.status,
    foreground: all.filter((o) => o.endedAt <= answeredAt),
    background: all.filter((o) => o.endedAt > answeredAt),
    window: { start, end: Date.now() },
  };
}

// The raw-text parsers of the stand-in, so the replay does the same work with the results.
const rawText: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as pg.CustomTypesConfig['getTypeParser'],
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/gi;
const HEX64 = /^[0-9a-f]{64}$/;
const WRITE = /\b(insert|update|delete)\b/i;
const REPLAY_BUDGET_MS = 10_000;
/** Longer than any CPU work a route does between its last query and its response. */
const CAPTURE_DELAY_MS = 300;
const EXPLAIN_FROM_MS = 2;
const MIN_SAMPLES = 10;

/**
 * Replaying a write verbatim would collide with the row the API just wrote: ids minted during
 * the captured request (uuid v7 stamped inside its time window) and 64-hex token hashes get
 * fresh values, consistently within one replay.
 */
function freshener(windowStartMs: number, windowEndMs: number) {
  return () => {
    const map = new Map<string, string>();
    const swapUuid = (id: string) => {
      const ms = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      if (ms < windowStartMs || ms > windowEndMs) return id;
      let fresh = map.get(id.toLowerCase());
      if (!fresh) {
        fresh = uuidv7();
        map.set(id.toLowerCase(), fresh);
      }
      return fresh;
    };
    const value = (v: unknown): unknown => {
      if (typeof v !== 'string') return v;
      if (HEX64.test(v)) {
        let fresh = map.get(v);
        if (!fresh) {
          fresh = randomBytes(32).toString('hex');
          map.set(v, fresh);
        }
        return fresh;
      }
      return v.replace(UUID, swapUuid);
    };
    return (q: SqlQuery): SqlQuery => ({ query: q.query.replace(UUID, swapUuid), params: q.params.map(value) });
  };
}

async function run(client: pg.Client, q: SqlQuery): Promise<void> {
  const config: pg.QueryArrayConfig & { queryMode: 'extended' } = {
    text: q.query,
    values: q.params,
    rowMode: 'array',
    types: rawText,
    queryMode: 'extended',
  };
  await client.query(config);
}

export interface SqlFloor {
  /** Milliseconds for all foreground statements, round trip by round trip, on one warm connection. */
  latency: Percentiles;
  /** Replays measured (fewer than asked when they ran out of their time budget). */
  samples: number;
  statements: number;
  roundTrips: number;
  /** Writes are replayed inside a transaction that is rolled back (the database stays as loaded). */
  rolledBack: boolean;
  /** Each statement on its own, in capture order: where the time goes. */
  perStatement: StatementFloor[];
  error?: string;
}

export interface StatementFloor {
  sql: string;
  p50: number;
  /** EXPLAIN (ANALYZE, BUFFERS) of one run, for statements slower than EXPLAIN_FROM_MS. */
  plan?: string;
}

/**
 * The scenario's SQL on a persistent connection: each captured /sql request as one round trip
 * (a batch inside its BEGIN … COMMIT, as the stand-in runs it), `samples` times after a warm-up.
 */
export async function replayFloor(
  url: string,
  observations: SqlObservation[],
  samples: number,
  window: Capture['window'],
): Promise<SqlFloor> {
  const statements = observations.reduce((n, o) => n + o.queries.length, 0);
  const rolledBack = observations.some((o) => o.queries.some((q) => WRITE.test(q.query)));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // A little slack for clock granularity; ids older than the request are references, kept as is.
  const fresh = freshener(window.start - 20, window.end + 20);
  const queries = observations.flatMap((o) => o.queries);
  const statementTimes: number[][] = queries.map(() => []);
  const timed = async (index: number, q: SqlQuery) => {
    const t = performance.now();
    await run(client, q);
    statementTimes[index]?.push(performance.now() - t);
  };
  const once = async () => {
    const swap = fresh();
    let index = 0;
    for (const o of observations) {
      const writes = o.queries.some((q) => WRITE.test(q.query));
      if (o.begin === null && !writes) {
        await timed(index++, swap(o.queries[0] as SqlQuery));
        continue;
      }
      await client.query(o.begin ?? 'BEGIN');
      try {
        for (const q of o.queries) await timed(index++, swap(q));
      } finally {
        await client.query(writes ? 'ROLLBACK' : 'COMMIT');
      }
    }
  };
  // One EXPLAIN ANALYZE per slow statement, in a transaction that is always rolled back.
  const explain = async (q: SqlQuery): Promise<string | undefined> => {
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>({
        text: `explain (analyze, buffers) ${q.query}`,
        values: q.params,
      });
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } catch (error) {
      return `(explain failed: ${(error as Error).message})`;
    } finally {
      await client.query('ROLLBACK');
    }
  };
  try {
    for (let i = 0; i < Math.min(5, samples); i++) await once();
    for (const t of statementTimes) t.length = 0;
    const times: number[] = [];
    // Slow statements (hundreds of ms) would take minutes at full count: a time budget caps them.
    const deadline = performance.now() + REPLAY_BUDGET_MS;
    for (let i = 0; i < samples && (i < MIN_SAMPLES || performance.now() < deadline); i++) {
      const t = performance.now();
      await once();
      times.push(performance.now() - t);
    }
    const perStatement: StatementFloor[] = [];
    const swap = fresh();
    for (const [i, q] of queries.entries()) {
      const p50 = percentiles(statementTimes[i] ?? []).p50;
      perStatement.push({
        sql: q.query.replace(/\s+/g, ' ').trim(),
        p50,
        plan: p50 >= EXPLAIN_FROM_MS ? await explain(swap(q)) : undefined,
      });
    }
    return {
      latency: percentiles(times),
      samples: times.length,
      statements,
      roundTrips: observations.length,
      rolledBack,
      perStatement,
    };
  } catch (error) {
    return {
      latency: percentiles([]),
      samples: 0,
      statements,
      roundTrips: observations.length,
      rolledBack,
      perStatement: [],
      error: (error as Error).message,
    };
  } finally {
    await client.end();
  }
}

/** `select 1` on a warm direct connection: the database's own floor, for comparison. */
export async function directSelectOne(url: string, samples: number): Promise<Percentiles> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 10; i++) await client.query('select 1');
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await client.query('select 1');
      times.push(performance.now() - t);
    }
    return percentiles(times);
  } finally {
    await client.end();
  }
}

/** One bcryptjs compare at cost 10 in Node (the same JavaScript the Worker runs in V8). */
export async function bcryptFloor(samples: number): Promise<Percentiles> {
  const hash = await bcrypt.hash(BENCH_PASSWORD, 10);
  await bcrypt.compare(BENCH_PASSWORD, hash);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await bcrypt.compare(BENCH_PASSWORD, hash);
    times.push(performance.now() - t);
  }
  return percentiles(times);
}

/**
 * The Worker's own access-token check (src/services/auth/access-token.ts) in Node: workerd
 * does not advance its clocks during computation, so it cannot be timed inside the Worker.
 */
export async function jwtVerifyFloor(samples: number): Promise<Percentiles> {
  const config = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    JWT_KEY_ID: 'bench',
    JWT_ISSUER: 'bench',
    JWT_AUDIENCE: 'bench',
  };
  const token = await signAccessToken(config, { userId: randomUUID(), sessionId: randomUUID(), role: 'admin' });
  for (let i = 0; i < 50; i++) await verifyAccessToken(config, token);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const claims = await verifyAccessToken(config, token);
    times.push(performance.now() - t);
    if (!claims) throw new Error('the bench token did not verify');
  }
  return percentiles(times);
}
