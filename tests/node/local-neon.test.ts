import { once } from 'node:events';
import { createServer } from 'node:net';
import { NeonDbError, type NeonQueryFunction, neon, neonConfig, Pool } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ws, { WebSocket } from 'ws';
import { startEmbeddedPostgres } from '../../scripts/local-db/embedded-postgres';
import { type LocalNeon, startLocalNeon } from '../../scripts/local-db/local-neon';
import { createTerminateWatcher, parseProxyTarget } from '../../scripts/local-db/ws-proxy';

interface Upstream {
  url: string;
  /** Connections the database holds for this test's database. */
  connections(): Promise<number>;
  close(): Promise<void>;
}

interface Target {
  name: string;
  start(): Promise<Upstream>;
}

async function embedded(): Promise<Upstream> {
  const db = await startEmbeddedPostgres({ port: 0 });
  return { url: db.url, connections: async () => db.activeConnections(), close: db.close };
}

// A fresh database per run, so runs never see each other's rows.
async function realDatabase(adminUrl: string): Promise<Upstream> {
  const name = `local_neon_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    connections: async () => {
      const { rows } = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      return rows[0]?.n ?? 0;
    },
    close: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

// One engine per run: CI runs the suite once on PGlite and once on PostgreSQL, so each target
// is covered once without the PostgreSQL run paying for PGlite again.
const testDatabaseUrl = process.env.TEST_DATABASE_URL;
const targets: Target[] = testDatabaseUrl
  ? [{ name: 'PostgreSQL (TEST_DATABASE_URL)', start: () => realDatabase(testDatabaseUrl) }]
  : [{ name: 'embedded PGlite', start: embedded }];

async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMillis = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function only<T>(rows: T[]): T {
  expect(rows).toHaveLength(1);
  return rows[0] as T;
}

async function caught(promise: Promise<unknown>): Promise<NeonDbError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(NeonDbError);
    return error as NeonDbError;
  }
  throw new Error('expected a rejection');
}

// workerd does not close the driver's WebSocket after pool.end(); this one
// likewise ignores the driver's close() and only answers a close the server
// starts (ws answers it through close(), after setting this private flag).
class WorkerdLikeWebSocket extends WebSocket {
  override close(code?: number, reason?: string | Buffer): void {
    if ((this as unknown as { _closeFrameReceived: boolean })._closeFrameReceived) super.close(code, reason);
  }
}

function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196_608, 4);
  return Buffer.concat([head, params]);
}

function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

describe('WS /v2 message tracking', () => {
  it('WS /v2 finds a Terminate only at a message boundary', () => {
    const watcher = createTerminateWatcher();
    const startup = startupMessage('postgres', 'postgres');
    const fakeTerminate = Buffer.from([0x58, 0, 0, 0, 4]);
    const query = message('Q', Buffer.concat([Buffer.from("SELECT '"), fakeTerminate, Buffer.from("'\0")]));
    const stream = Buffer.concat([startup, query, message('X')]);
    // Byte by byte: every header and body is split across chunks.
    const seen: boolean[] = [];
    let forwarded = 0;
    for (let i = 0; i < stream.length; i++) {
      const { forward, terminated } = watcher.push(stream.subarray(i, i + 1));
      forwarded += forward.length;
      seen.push(terminated);
    }
    expect(seen.indexOf(true)).toBe(stream.length - 1);
    expect(forwarded).toBe(stream.length);
  });

  it('WS /v2 forwards nothing after a Terminate inside a larger chunk', () => {
    const watcher = createTerminateWatcher();
    const head = Buffer.concat([startupMessage('u', 'd'), message('S'), message('X')]);
    const { forward, terminated } = watcher.push(Buffer.concat([head, message('Q', Buffer.from('x\0'))]));
    expect(terminated).toBe(true);
    expect(forward.equals(head)).toBe(true);
  });

  it('WS /v2 stops tracking once the server accepts TLS', () => {
    const watcher = createTerminateWatcher();
    const sslRequest = Buffer.alloc(8);
    sslRequest.writeInt32BE(8, 0);
    sslRequest.writeInt32BE(80_877_103, 4);
    watcher.push(sslRequest);
    watcher.server(Buffer.from('S'));
    expect(watcher.push(message('X')).terminated).toBe(false);
  });

  it('WS /v2 parses address=host:port, including IPv6', () => {
    expect(parseProxyTarget('/v2?address=127.0.0.1:5432')).toEqual({ host: '127.0.0.1', port: 5432 });
    expect(parseProxyTarget('/v2?address=[::1]:6543')).toEqual({ host: '::1', port: 6543 });
    expect(parseProxyTarget('/?address=localhost:5432')).toEqual({ host: 'localhost', port: 5432 });
    expect(parseProxyTarget('/v2')).toBeNull();
    expect(parseProxyTarget('/v2?address=localhost:99999')).toBeNull();
    expect(parseProxyTarget('/other?address=localhost:5432')).toBeNull();
  });
});

describe.each(targets)('local Neon in front of $name', (target) => {
  let upstream: Upstream;
  let localNeon: LocalNeon;
  let sql: NeonQueryFunction<false, false>;

  beforeAll(async () => {
    upstream = await target.start();
    localNeon = await startLocalNeon({ port: 0 });
    neonConfig.fetchEndpoint = () => localNeon.httpEndpoint;
    neonConfig.webSocketConstructor = ws;
    neonConfig.wsProxy = (host, port) => `${localNeon.wsProxyHost}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
    sql = neon(upstream.url);
    await sql`CREATE TABLE items (
      id int PRIMARY KEY,
      sku text NOT NULL UNIQUE,
      qty int NOT NULL CHECK (qty >= 0)
    )`;
  });

  afterAll(async () => {
    await localNeon?.close();
    await upstream?.close();
  });

  it('GET /health returns 200', async () => {
    const res = await fetch(localNeon.httpEndpoint.replace(/\/sql$/, '/health'));
    expect(res.status).toBe(200);
  });

  it('POST /sql returns numeric and int8 as strings and int4 as a number', async () => {
    const row = only(await sql`SELECT 1.50::numeric AS n, 9007199254740993::int8 AS big, 42::int4 AS small`);
    expect(row).toEqual({ n: '1.50', big: '9007199254740993', small: 42 });
  });

  it('POST /sql returns bool, timestamptz as Date, date, jsonb as object', async () => {
    const row = only(
      await sql`SELECT true AS yes, false AS no,
      '2024-05-06T07:08:09.123Z'::timestamptz AS at, '2024-02-29'::date AS day,
      ${JSON.stringify({ a: [1, 'two'], b: null })}::jsonb AS doc`,
    );
    expect(row.yes).toBe(true);
    expect(row.no).toBe(false);
    expect(row.at).toBeInstanceOf(Date);
    expect((row.at as Date).toISOString()).toBe('2024-05-06T07:08:09.123Z');
    // The driver parses date as local midnight, like against Neon.
    const day = row.day as Date;
    expect(day).toBeInstanceOf(Date);
    expect([day.getFullYear(), day.getMonth() + 1, day.getDate()]).toEqual([2024, 2, 29]);
    expect(row.doc).toEqual({ a: [1, 'two'], b: null });
  });

  it('POST /sql returns text[] and int[] arrays, bytea as Buffer, uuid and null', async () => {
    const bytes = Buffer.from([0, 1, 0x7f, 0xff]);
    const id = '0190a8e6-3c4d-7e5f-8a9b-0c1d2e3f4a5b';
    const row = only(
      await sql`SELECT ${['a', 'b,c', null]}::text[] AS texts, ARRAY[1, 2, 3]::int[] AS ints,
      ${bytes} AS raw, ${id}::uuid AS id, NULL::text AS nothing`,
    );
    expect(row.texts).toEqual(['a', 'b,c', null]);
    expect(row.ints).toEqual([1, 2, 3]);
    expect(Buffer.isBuffer(row.raw)).toBe(true);
    expect((row.raw as Buffer).equals(bytes)).toBe(true);
    expect(row.id).toBe(id);
    expect(row.nothing).toBeNull();
  });

  it('POST /sql returns full results with fields, command and rowCount', async () => {
    const result = await sql.query(
      'INSERT INTO items VALUES ($1, $2, $3), ($4, $5, $6) RETURNING id',
      [1, 'a', 1, 2, 'b', 2],
      {
        fullResults: true,
      },
    );
    expect(result.command).toBe('INSERT');
    expect(result.rowCount).toBe(2);
    expect(result.rows).toEqual([{ id: 1 }, { id: 2 }]);
    expect(result.fields[0]).toMatchObject({ name: 'id', dataTypeID: 23 });
  });

  it('POST /sql runs text search with the english configuration and gen_random_uuid()', async () => {
    const row = only(
      await sql`SELECT to_tsvector('english', 'Running foxes') @@ to_tsquery('english', 'fox & run') AS hit,
      gen_random_uuid() AS id`,
    );
    expect(row.hit).toBe(true);
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('POST /sql rejects several statements in one query, like Neon', async () => {
    const error = await caught(sql`SELECT 1; SELECT 2`);
    expect(error.code).toBe('42601');
  });

  it('POST /sql reports a unique violation as NeonDbError 23505 with its constraint', async () => {
    await sql`INSERT INTO items VALUES (3, 'dup', 1)`;
    const error = await caught(sql`INSERT INTO items VALUES (4, 'dup', 1)`);
    expect(error.code).toBe('23505');
    expect(error.constraint).toBe('items_sku_key');
    expect(error.table).toBe('items');
    expect(error.detail).toContain('dup');
    expect(error.severity).toBe('ERROR');
  });

  it('POST /sql reports a CHECK violation as 23514', async () => {
    const error = await caught(sql`INSERT INTO items VALUES (5, 'neg', -1)`);
    expect(error.code).toBe('23514');
    expect(error.constraint).toBe('items_qty_check');
  });

  it('POST /sql runs a batch in one transaction and returns every result', async () => {
    const [inserted, counted] = await sql.transaction([
      sql`INSERT INTO items VALUES (20, 'batch-a', 1) RETURNING sku`,
      sql`SELECT count(*) AS n FROM items WHERE sku LIKE 'batch-%'`,
    ]);
    expect(inserted).toEqual([{ sku: 'batch-a' }]);
    expect(counted).toEqual([{ n: '1' }]);
  });

  it('POST /sql rolls a batch back whole when its second statement fails', async () => {
    const error = await caught(
      sql.transaction([sql`INSERT INTO items VALUES (30, 'first', 1)`, sql`INSERT INTO items VALUES (31, 'first', 1)`]),
    );
    expect(error.code).toBe('23505');
    const rows = await sql`SELECT id FROM items WHERE id IN (30, 31)`;
    expect(rows).toEqual([]);
  });

  it('POST /sql rolls a batch back when a deferred constraint fails at COMMIT', async () => {
    await sql`CREATE TABLE IF NOT EXISTS slots (n int, CONSTRAINT slots_n_key UNIQUE (n) DEFERRABLE INITIALLY DEFERRED)`;
    const error = await caught(
      sql.transaction([sql`INSERT INTO slots VALUES (1)`, sql`INSERT INTO slots VALUES (1)`, sql`SELECT 1`]),
    );
    expect(error.code).toBe('23505');
    expect(error.constraint).toBe('slots_n_key');
    expect(await sql`SELECT n FROM slots`).toEqual([]);
  });

  it('POST /sql applies the batch isolation level, read-only and deferrable options', async () => {
    const [iso, ro, deferrable] = await sql.transaction(
      [
        sql`SELECT current_setting('transaction_isolation') AS v`,
        sql`SELECT current_setting('transaction_read_only') AS v`,
        sql`SELECT current_setting('transaction_deferrable') AS v`,
      ],
      { isolationLevel: 'Serializable', readOnly: true, deferrable: true },
    );
    expect([iso, ro, deferrable]).toEqual([[{ v: 'serializable' }], [{ v: 'on' }], [{ v: 'on' }]]);
    const error = await caught(sql.transaction([sql`INSERT INTO items VALUES (40, 'ro', 1)`], { readOnly: true }));
    expect(error.code).toBe('25006');
  });

  it('POST /sql serves concurrent requests with the right rows each', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => sql`SELECT ${i}::int AS i, ${`v${i}`}::text AS v`),
    );
    for (const [i, rows] of results.entries()) expect(rows).toEqual([{ i, v: `v${i}` }]);
  });

  it('POST /sql answers 503 when the upstream database cannot be reached', async () => {
    const port = await closedPort();
    const down = neon(`postgres://postgres@127.0.0.1:${port}/postgres`);
    const error = await caught(down`SELECT 1`);
    expect(error.message).toMatch(/HTTP status 503/);
  });

  it('POST /sql answers 400 to a body that is not JSON and keeps serving', async () => {
    const res = await fetch(localNeon.httpEndpoint, {
      method: 'POST',
      headers: { 'Neon-Connection-String': upstream.url },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toHaveProperty('message');
    expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });

  it('POST /sql answers 400 without a connection string', async () => {
    const res = await fetch(localNeon.httpEndpoint, {
      method: 'POST',
      body: JSON.stringify({ query: 'SELECT 1', params: [] }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()) as { message: string }).toMatchObject({ message: expect.stringMatching(/connection/i) });
  });

  it('POST /sql answers 400 to an unknown batch isolation level', async () => {
    const res = await fetch(localNeon.httpEndpoint, {
      method: 'POST',
      headers: { 'Neon-Connection-String': upstream.url, 'Neon-Batch-Isolation-Level': 'Chaos' },
      body: JSON.stringify({ queries: [{ query: 'SELECT 1', params: [] }] }),
    });
    expect(res.status).toBe(400);
  });

  it('WS /v2 runs an interactive transaction through Pool', async () => {
    const pool = new Pool({ connectionString: upstream.url });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO items VALUES ($1, $2, $3)', [50, 'ws-tx', 5]);
      const inside = await client.query<{ qty: number }>('SELECT qty FROM items WHERE id = 50');
      expect(inside.rows).toEqual([{ qty: 5 }]);
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query('INSERT INTO items VALUES ($1, $2, $3)', [51, 'ws-rolled-back', 5]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
      await pool.end();
    }
    expect(await sql`SELECT id FROM items WHERE id IN (50, 51)`).toEqual([{ id: 50 }]);
  });

  it('WS /v2 refuses targets that are not loopback', async () => {
    const socket = new WebSocket(`ws://${localNeon.wsProxyHost}/v2?address=10.255.255.1:5432`);
    const [, res] = (await once(socket, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(403);
    // Aborting a refused handshake emits an error we expect.
    socket.on('error', () => {});
    socket.terminate();
  });

  it('WS /v2 fails a Pool query cleanly when the upstream cannot be reached', async () => {
    const port = await closedPort();
    const pool = new Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    pool.on('error', () => {});
    await expect(pool.query('SELECT 1')).rejects.toThrow();
    await pool.end().catch(() => {});
    await waitFor(() => localNeon.openTunnels() === 0);
  });

  it('WS /v2 closes both sides after a Terminate even if the client keeps its WebSocket open', async () => {
    await waitFor(() => localNeon.openTunnels() === 0);
    const before = await upstream.connections();
    const url = new URL(upstream.url);
    const socket = new WebSocket(`ws://${localNeon.wsProxyHost}/v2?address=${url.hostname}:${url.port || 5432}`);
    await once(socket, 'open');
    const closed = once(socket, 'close');
    let received = Buffer.alloc(0);
    socket.on('message', (data: Buffer) => {
      received = Buffer.concat([received, data]);
    });
    socket.send(startupMessage(decodeURIComponent(url.username), url.pathname.slice(1)));
    // ReadyForQuery ('Z', length 5) ends the startup exchange.
    await waitFor(() => received.includes(Buffer.from([0x5a, 0, 0, 0, 5])));
    expect(localNeon.openTunnels()).toBe(1);
    socket.send(message('X'));
    await closed;
    await waitFor(() => localNeon.openTunnels() === 0);
    await waitFor(async () => (await upstream.connections()) === before);
  });

  it('WS /v2 leaks no connection over 30 Pool connect, query and end cycles of a workerd-like client', async () => {
    await waitFor(() => localNeon.openTunnels() === 0);
    const before = await upstream.connections();
    neonConfig.webSocketConstructor = WorkerdLikeWebSocket;
    try {
      for (let i = 0; i < 30; i++) {
        const pool = new Pool({ connectionString: upstream.url });
        const { rows } = await pool.query<{ i: number }>('SELECT $1::int AS i', [i]);
        expect(rows).toEqual([{ i }]);
        await pool.end();
      }
      await waitFor(() => localNeon.openTunnels() === 0);
      await waitFor(async () => (await upstream.connections()) === before);
      const pool = new Pool({ connectionString: upstream.url });
      expect((await pool.query('SELECT 31 AS n')).rows).toEqual([{ n: 31 }]);
      await pool.end();
      await waitFor(() => localNeon.openTunnels() === 0);
    } finally {
      neonConfig.webSocketConstructor = ws;
    }
  });

  it('close() returns promptly with a query in flight and a tunnel open', async () => {
    const extra = await startLocalNeon({ port: 0 });
    const slow = neon(upstream.url);
    const previous = neonConfig.fetchEndpoint;
    neonConfig.fetchEndpoint = () => extra.httpEndpoint;
    const inFlight = slow`SELECT pg_sleep(2)`.catch((error: unknown) => error);
    neonConfig.fetchEndpoint = previous;
    const url = new URL(upstream.url);
    const socket = new WebSocket(`ws://${extra.wsProxyHost}/v2?address=${url.hostname}:${url.port || 5432}`);
    socket.on('error', () => {});
    await once(socket, 'open');
    await waitFor(() => extra.openTunnels() === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await extra.close();
    // Well under the 2 s the query would take: close() cut it instead of waiting.
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(extra.openTunnels()).toBe(0);
    expect(await inFlight).toBeInstanceOf(Error);
    // PGlite cannot cancel the sleep; let it finish before the next suite.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  });
});
