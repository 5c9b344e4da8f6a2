import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../scripts/local-db/fault-proxy';

// The owner: this test creates its own table.
const databaseUrl = inject('databaseOwnerUrl');
const table = `fault_probe_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;

let proxy: FaultProxy;
let direct: pg.Client;

async function proxiedClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: proxy.proxiedUrl(databaseUrl) });
  // A cut connection reports here as well as on the pending query; the query's rejection is what we check.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function rows(tag: string): Promise<number> {
  const result = await direct.query(`select count(*)::int as n from ${table} where tag = $1`, [tag]);
  return result.rows[0].n as number;
}

async function control(path: string, body?: unknown) {
  const res = await fetch(`${proxy.controlUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const url = new URL(databaseUrl);
  proxy = await startFaultProxy({ upstream: { host: url.hostname, port: Number(url.port || 5432) } });
  direct = new pg.Client({ connectionString: databaseUrl });
  await direct.connect();
  await direct.query(`create table ${table} (tag text not null)`);
});

afterAll(async () => {
  await direct?.query(`drop table if exists ${table}`);
  await direct?.end();
  await proxy?.close();
});

beforeEach(() => proxy.reset());

describe('fault proxy', () => {
  it('passes queries through untouched when no fault is set', async () => {
    const client = await proxiedClient();
    const result = await client.query('select $1::text as v, 1 + 1 as two', ['hello']);
    expect(result.rows[0]).toEqual({ v: 'hello', two: 2 });
    await client.end();
  });

  it('cut destroys every open connection and new ones work again', async () => {
    const client = await proxiedClient();
    expect(proxy.state().open).toBeGreaterThan(0);
    const { body } = await control('/cut', {});
    expect(body.cut).toBeGreaterThan(0);
    await expect(client.query('select 1')).rejects.toThrow();
    const again = await proxiedClient();
    expect((await again.query('select 1 as one')).rows[0].one).toBe(1);
    await again.end();
  });

  it('refuse resets new connections until reset', async () => {
    await control('/refuse', { refuse: true });
    await expect(proxiedClient()).rejects.toThrow();
    expect(proxy.state().refused).toBeGreaterThan(0);
    await control('/reset', {});
    const client = await proxiedClient();
    expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    await client.end();
  });

  it('swallow lets an autocommit insert reach the server and commit, but the client never hears of it', async () => {
    const client = await proxiedClient();
    const before = proxy.state().swallowed;
    await control('/swallow', { match: `insert into ${table}` });
    await expect(client.query(`insert into ${table} (tag) values ($1)`, ['swallowed-autocommit'])).rejects.toThrow();
    expect(proxy.state().swallowed).toBe(before + 1);
    expect(await rows('swallowed-autocommit')).toBe(1);
  });

  it('swallow on an insert inside a transaction leaves nothing once the connection dies', async () => {
    const client = await proxiedClient();
    await client.query('begin');
    await control('/swallow', { match: `insert into ${table}` });
    await expect(client.query(`insert into ${table} (tag) values ($1)`, ['swallowed-in-tx'])).rejects.toThrow();
    await expect.poll(() => rows('swallowed-in-tx')).toBe(0);
    // The server really ran the insert: the rollback comes from the dead connection.
    expect(proxy.state().swallowed).toBeGreaterThan(0);
  });

  it('swallow on COMMIT (skipping the first) commits the transaction the client thinks failed', async () => {
    const client = await proxiedClient();
    await client.query('begin');
    await client.query(`insert into ${table} (tag) values ($1)`, ['skipped-c']);
    await control('/swallow', { match: 'commit', skip: 1 });
    await client.query('commit');
    expect(await rows('skipped-c')).toBe(1);
    await client.query('begin');
    await client.query(`insert into ${table} (tag) values ($1)`, ['swallowed-c']);
    await expect(client.query('commit')).rejects.toThrow();
    expect(await rows('swallowed-c')).toBe(1);
  });

  it('drop never forwards the matched statement and cuts the connection', async () => {
    const client = await proxiedClient();
    const before = proxy.state().dropped;
    await control('/swallow', { match: `insert into ${table}`, drop: true });
    await expect(client.query(`insert into ${table} (tag) values ($1)`, ['dropped'])).rejects.toThrow();
    expect(proxy.state().dropped).toBe(before + 1);
    expect(await rows('dropped')).toBe(0);
  });

  it('thenDown takes the whole database away when the swallow fires, until reset', async () => {
    const bystander = await proxiedClient();
    const client = await proxiedClient();
    await control('/swallow', { match: 'select 42', thenDown: true });
    await expect(client.query('select 42')).rejects.toThrow();
    await expect(bystander.query('select 1')).rejects.toThrow();
    await expect(proxiedClient()).rejects.toThrow();
    expect((await control('/state')).body.faults).toMatchObject({ refuse: true });
    await control('/reset', {});
    const again = await proxiedClient();
    expect((await again.query('select 1 as one')).rows[0].one).toBe(1);
    await again.end();
  });

  it('swallow matches the SQL text only, never a bound parameter', async () => {
    const client = await proxiedClient();
    await control('/swallow', { match: 'needle-in-sql' });
    // The parameter contains the text, the statement does not: it passes.
    await client.query(`insert into ${table} (tag) values ($1)`, ['needle-in-sql']);
    expect(await rows('needle-in-sql')).toBe(1);
    await expect(client.query(`select 'needle-in-sql' as v`)).rejects.toThrow();
    await client.end().catch(() => undefined);
  });

  it('cut-after-bytes lets the budget through, then cuts mid-reply', async () => {
    const client = await proxiedClient();
    await control('/cut-after-bytes', { bytes: 3, direction: 'to-client' });
    await expect(client.query('select repeat($1, 1000) as v', ['x'])).rejects.toThrow();
    expect(proxy.state().faults.cutAfterBytes).toBeNull();
  });

  it('latency delays every round trip by at least the set time', async () => {
    const client = await proxiedClient();
    await control('/latency', { ms: 150 });
    const started = Date.now();
    expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    // A lower bound only: the proxy holds each chunk this long in each direction.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await client.end();
  });

  it('the control API rejects bad input with a 400 and unknown routes with a 404', async () => {
    expect((await control('/latency', { ms: -1 })).status).toBe(400);
    expect((await control('/cut-after-bytes', { bytes: 10, direction: 'sideways' })).status).toBe(400);
    expect((await control('/nothing', {})).status).toBe(404);
    const state = await control('/state');
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ faults: { refuse: false, latencyMs: 0, cutAfterBytes: null, swallow: null } });
  });
});
