import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import bcrypt from 'bcryptjs';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createDb } from '../../src/db/client';
import type { Role } from '../../src/db/enums';
import { properties, sessions, users } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import { runScheduled } from '../../src/jobs/dispatcher';
import { signAccessToken } from '../../src/services/auth/access-token';
import { fixture } from '../fixtures/images/fixtures.generated';
import { BASE, expectProblem, json } from '../helpers/api';
import { databaseKind, testConfig } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { faultControl, swallowStatement } from '../helpers/fault-proxy';
import { randomIp, strongPassword, TEST_PASSWORD, uniqueEmail } from '../helpers/users';

/**
 * Faults between the local Neon stand-in and PostgreSQL, injected by the fault proxy
 * (scripts/local-db/fault-proxy.ts). Requests go to the same app with DATABASE_URL pointed
 * through the proxy; what was really written is read straight from the database afterwards.
 * Every test in this file shares the one proxy, so they run one after the other.
 */

const faults = env as unknown as {
  DATABASE_URL: string;
  FAULT_DATABASE_URL: string;
  FAULT_DIRECT_URL: string;
  IMAGES: R2Bucket;
};
const bucket = faults.IMAGES;
// On PGlite the proxy fronts the run's shared database (see tests/setup/fault-proxy-setup.ts).
const ownDatabase = databaseKind === 'postgres';

const state = () => faultControl('/state');

/** 503 DB_UNAVAILABLE problem JSON with a Retry-After, and no internals. */
async function unavailable(res: Response) {
  expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
  const problem = await expectProblem(res, 503, 'DB_UNAVAILABLE');
  expect(JSON.stringify(problem)).not.toMatch(/ECONN|127\.0\.0\.1|postgres|upstream|terminated/i);
  return problem;
}

/** The straight (unproxied) view of the fault database. */
const direct = () => createDb({ ...testConfig(), DATABASE_URL: faults.FAULT_DIRECT_URL });

function faultyEnv(extra: Record<string, string> = {}): Bindings {
  return { ...(env as unknown as Bindings), DATABASE_URL: faults.FAULT_DATABASE_URL, ...extra };
}

// One app for the whole file: recovering must not need a new one.
const app = createApp();

interface CallOptions {
  method?: string;
  token?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  ip?: string;
  env?: Record<string, string>;
}

async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('Authorization', `Bearer ${options.token}`);
  headers.set('CF-Connecting-IP', options.ip ?? randomIp());
  let body = options.body;
  if (options.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.json);
  }
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`${BASE}${path}`, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body }),
    faultyEnv(options.env),
    ctx,
  );
  // Read the body before the background work so a slow waitUntil never holds a stream open.
  const buffered = new Response(await response.arrayBuffer(), response);
  await waitOnExecutionContext(ctx);
  return buffered;
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const result = await direct().execute<{ n: number | string }>(query);
  return Number(result.rows[0]?.n ?? 0);
}

const PASSWORD_HASH = bcrypt.hashSync(TEST_PASSWORD, 4);

async function faultUser(role: Role): Promise<{ id: string; email: string; token: string }> {
  const db = direct();
  const id = uuidv7();
  const sessionId = uuidv7();
  const email = uniqueEmail(`fault-${role}`);
  await db.batch([
    db.insert(users).values({ id, email, passwordHash: PASSWORD_HASH, name: `Fault ${role}`, role }),
    db.insert(sessions).values({
      id: sessionId,
      userId: id,
      deviceName: 'vitest',
      expiresAt: new Date(Date.now() + 24 * 3600 * 1000),
    }),
  ]);
  return { id, email, token: await signAccessToken(testConfig(), { userId: id, sessionId, role }) };
}

async function faultListing(createdBy: string | null): Promise<string> {
  const id = uuidv7();
  await direct()
    .insert(properties)
    .values({
      id,
      slug: `fault-${id}`,
      title: 'Fault test home',
      propertyType: 'house',
      listingType: 'sale',
      status: 'active',
      price: 1_000_000,
      addressLine1: '1 Broken Pipe Lane',
      city: 'Faultville',
      country: 'US',
      createdBy,
    });
  return id;
}

/** Everything one inquiry writes, counted per part. */
async function inquiryFootprint(email: string) {
  const ids = await direct().execute<{ id: string }>(sql`select id from inquiries where email = ${email}`);
  const inquiryIds = ids.rows.map((r) => r.id);
  const any = inquiryIds.length > 0 ? inquiryIds : [uuidv7()];
  const list = sql.join(
    any.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  return {
    ids: inquiryIds,
    inquiries: inquiryIds.length,
    events: await count(sql`select count(*) as n from inquiry_events where inquiry_id in (${list})`),
    analytics: await count(
      sql`select count(*) as n from analytics_events where type = 'inquiry_submitted' and (metadata->>'inquiryId')::uuid in (${list})`,
    ),
    notifications: await count(
      sql`select count(*) as n from notification_queue where recipient = ${email} or payload->>'email' = ${email}`,
    ),
  };
}

let admin: { id: string; email: string; token: string };
let agentListing: string;

beforeAll(async () => {
  await faultControl('/reset', {});
  admin = await faultUser('admin');
  agentListing = await faultListing(admin.id);
});

afterEach(async () => {
  await faultControl('/reset', {});
});

const inquiryBody = (email: string) => ({
  propertyId: agentListing,
  name: 'Faulty Tester',
  email,
  message: 'Is this home still available after the outage?',
});

describe('faults: the database dies before a write', () => {
  it('POST /v1/auth/register answers 503 with Retry-After and writes nothing while the database refuses connections', async () => {
    const email = uniqueEmail('fault-register-down');
    const body = { email, password: strongPassword(), name: 'Down Register' };
    await faultControl('/refuse', { refuse: true });
    await faultControl('/cut', {});
    await unavailable(await call('/v1/auth/register', { json: body }));
    expect((await state()).refused).toBeGreaterThan(0);
    expect(await count(sql`select count(*) as n from users where email = ${email}`)).toBe(0);

    await faultControl('/reset', {});
    expect((await call('/v1/auth/register', { json: body })).status).toBe(201);
    expect(await count(sql`select count(*) as n from users where email = ${email}`)).toBe(1);
  });

  it('POST /v1/inquiries answers 503 and writes nothing when the connection dies just before the insert', async () => {
    const email = uniqueEmail('fault-inquiry-drop');
    const key = `fault-drop-${uuidv7()}`;
    const before = await state();
    await swallowStatement({ match: 'insert into inquiries (', drop: true });
    const res = await call('/v1/inquiries', { json: inquiryBody(email), headers: { 'Idempotency-Key': key } });
    await unavailable(res);
    expect((await state()).dropped).toBe(before.dropped + 1);
    expect(await inquiryFootprint(email)).toMatchObject({ inquiries: 0, events: 0, analytics: 0, notifications: 0 });

    // The retry with the same key is the first real one: it creates the inquiry.
    const retry = await call('/v1/inquiries', { json: inquiryBody(email), headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull();
    const footprint = await inquiryFootprint(email);
    expect(footprint).toMatchObject({ inquiries: 1, events: 1, analytics: 1, notifications: 2 });
    expect(footprint.ids).toEqual([(await json<{ id: string }>(retry)).id]);
  });
});

describe('faults: the statement reached the server, the reply never came back', () => {
  it('POST /v1/inquiries keeps nothing when the reply is lost inside its transaction, and a retry creates it once', async () => {
    const email = uniqueEmail('fault-inquiry-midbatch');
    const key = `fault-mid-${uuidv7()}`;
    const before = await state();
    await swallowStatement({ match: 'insert into inquiries (' });
    await unavailable(await call('/v1/inquiries', { json: inquiryBody(email), headers: { 'Idempotency-Key': key } }));
    expect((await state()).swallowed).toBe(before.swallowed + 1);
    expect(await inquiryFootprint(email)).toMatchObject({ inquiries: 0, events: 0, analytics: 0, notifications: 0 });

    const retry = await call('/v1/inquiries', { json: inquiryBody(email), headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    expect(await inquiryFootprint(email)).toMatchObject({ inquiries: 1, events: 1, analytics: 1, notifications: 2 });
  });

  it('POST /v1/inquiries keeps all of it when the COMMIT reply is lost, and a retry with the same Idempotency-Key returns it without a duplicate', async () => {
    const email = uniqueEmail('fault-inquiry-commit');
    const key = `fault-commit-${uuidv7()}`;
    const before = await state();
    // The request's one batch (the listing check and every write) ends with this COMMIT.
    await swallowStatement({ match: 'commit' });
    await unavailable(await call('/v1/inquiries', { json: inquiryBody(email), headers: { 'Idempotency-Key': key } }));
    expect((await state()).swallowed).toBe(before.swallowed + 1);
    const committed = await inquiryFootprint(email);
    expect(committed).toMatchObject({ inquiries: 1, events: 1, analytics: 1, notifications: 2 });

    const retry = await call('/v1/inquiries', { json: inquiryBody(email), headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await json(retry)).toEqual({ id: committed.ids[0], status: 'new' });
    expect(await inquiryFootprint(email)).toMatchObject({ inquiries: 1, events: 1, analytics: 1, notifications: 2 });

    // Nobody kicked the queue (the first request failed, the retry was a replay): the cron drain
    // delivers the acknowledgement, once.
    const ctx = createExecutionContext();
    await runScheduled('* * * * *', faultyEnv(), ctx);
    await waitOnExecutionContext(ctx);
    const delivered = await eventually(async () => {
      const requests = (await sinkRequests(email)).filter((r) => !r.failed);
      return requests.length > 0 ? requests : undefined;
    });
    expect(delivered).toHaveLength(1);
  });

  it('POST /v1/auth/register keeps the user, its session and refresh token together when the reply is lost', async () => {
    const email = uniqueEmail('fault-register-lost');
    const password = strongPassword();
    const before = await state();
    await swallowStatement({ match: 'insert into users' });
    await unavailable(await call('/v1/auth/register', { json: { email, password, name: 'Lost Reply' } }));
    expect((await state()).swallowed).toBe(before.swallowed + 1);
    const user = await direct().execute<{ id: string }>(sql`select id from users where email = ${email}`);
    expect(user.rows).toHaveLength(1);
    const userId = user.rows[0]?.id;
    expect(await count(sql`select count(*) as n from sessions where user_id = ${userId}`)).toBe(1);
    expect(await count(sql`select count(*) as n from refresh_tokens where user_id = ${userId}`)).toBe(1);

    // The account exists: registering again says so, and signing in works.
    await expectProblem(
      await call('/v1/auth/register', { json: { email, password, name: 'Lost Reply' } }),
      409,
      'EMAIL_TAKEN',
    );
    expect((await call('/v1/auth/login', { json: { email, password } })).status).toBe(200);
  });

  it('POST /v1/auth/register keeps nothing when the connection dies just before its statement', async () => {
    const email = uniqueEmail('fault-register-drop');
    const password = strongPassword();
    await swallowStatement({ match: 'insert into users', drop: true });
    await unavailable(await call('/v1/auth/register', { json: { email, password, name: 'Dropped' } }));
    expect(await count(sql`select count(*) as n from users where email = ${email}`)).toBe(0);
    expect((await call('/v1/auth/register', { json: { email, password, name: 'Dropped' } })).status).toBe(201);
  });
});

describe('faults: photos keep their row and their R2 object together', () => {
  const png = fixture('png-7x5.png');

  const upload = (propertyId: string) =>
    call(`/v1/admin/properties/${propertyId}/images`, {
      method: 'POST',
      token: admin.token,
      body: png,
      headers: { 'Content-Type': 'image/png' },
    });

  async function rowsAndObjects(propertyId: string) {
    const rows = await direct().execute<{ id: string; r2_key: string }>(
      sql`select id, r2_key from property_images where property_id = ${propertyId} order by r2_key`,
    );
    const listed = await bucket.list({ prefix: `properties/${propertyId}/` });
    return { rows: rows.rows.map((r) => r.r2_key), objects: listed.objects.map((o) => o.key).sort() };
  }

  it('POST /v1/admin/properties/:id/images never leaves a row without its object when the insert reply is lost', async () => {
    const propertyId = await faultListing(admin.id);
    const before = await state();
    await swallowStatement({ match: 'insert into "property_images"' });
    const res = await upload(propertyId);
    expect((await state()).swallowed).toBe(before.swallowed + 1);
    const after = await rowsAndObjects(propertyId);
    // The insert committed, so the row is there, and its object must be too.
    expect(after.rows).toHaveLength(1);
    expect(after.objects).toEqual(after.rows);
    // Having found its row, the upload reports the photo it stored instead of a failure.
    expect(res.status).toBe(201);
    const image = await json<{ id: string }>(res);
    expect(after.rows[0]).toBe(`properties/${propertyId}/${image.id}`);
    const served = await call(`/v1/images/${image.id}`);
    expect(served.status).toBe(200);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(png);
  });

  it('POST /v1/admin/properties/:id/images leaves neither row nor object when the connection dies before the insert', async () => {
    const propertyId = await faultListing(admin.id);
    await swallowStatement({ match: 'insert into "property_images"', drop: true });
    await unavailable(await upload(propertyId));
    expect(await rowsAndObjects(propertyId)).toEqual({ rows: [], objects: [] });
    expect((await upload(propertyId)).status).toBe(201);
    const after = await rowsAndObjects(propertyId);
    expect(after.rows).toHaveLength(1);
    expect(after.objects).toEqual(after.rows);
  });

  it('POST /v1/admin/properties/:id/images writes no object when the database is down before the upload', async () => {
    const propertyId = await faultListing(admin.id);
    await faultControl('/refuse', { refuse: true });
    await faultControl('/cut', {});
    await unavailable(await upload(propertyId));
    expect(await rowsAndObjects(propertyId)).toEqual({ rows: [], objects: [] });
  });

  async function threePhotos(propertyId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await upload(propertyId);
      expect(res.status).toBe(201);
      ids.push((await json<{ id: string }>(res)).id);
    }
    return ids;
  }

  async function order(propertyId: string): Promise<string[]> {
    const rows = await direct().execute<{ id: string }>(
      sql`select id from property_images where property_id = ${propertyId} order by sort_order`,
    );
    return rows.rows.map((r) => r.id);
  }

  const reorder = (propertyId: string, imageIds: string[]) =>
    call(`/v1/admin/properties/${propertyId}/images/order`, {
      method: 'PUT',
      token: admin.token,
      json: { imageIds },
    });

  it('PUT /v1/admin/properties/:id/images/order applies the whole new order when its reply is lost', async () => {
    const propertyId = await faultListing(admin.id);
    const ids = await threePhotos(propertyId);
    const wanted = [ids[2], ids[0], ids[1]] as string[];
    const before = await state();
    await swallowStatement({ match: 'set sort_order = t.ord' });
    await unavailable(await reorder(propertyId, wanted));
    expect((await state()).swallowed).toBe(before.swallowed + 1);
    expect(await order(propertyId)).toEqual(wanted);
    // The retry is harmless: same order, one cover.
    const retry = await reorder(propertyId, wanted);
    expect(retry.status).toBe(200);
    expect((await json<{ data: Array<{ id: string }> }>(retry)).data.map((i) => i.id)).toEqual(wanted);
    expect(
      await count(sql`select count(*) as n from property_images where property_id = ${propertyId} and is_cover`),
    ).toBe(1);
  });

  it('PUT /v1/admin/properties/:id/images/order keeps the old order when the connection dies before the update', async () => {
    const propertyId = await faultListing(admin.id);
    const ids = await threePhotos(propertyId);
    await swallowStatement({ match: 'set sort_order = t.ord', drop: true });
    await unavailable(await reorder(propertyId, [ids[1], ids[2], ids[0]] as string[]));
    expect(await order(propertyId)).toEqual(ids);
  });
});

describe('faults: recovery without a restart', () => {
  it('GET /health/ready, GET /v1/properties and POST /v1/inquiries answer 503 while the database is gone and recover as soon as it is back', async () => {
    // A search no other test asks for: a cached page would rightly be served without the database.
    const search = `/v1/properties?city=${encodeURIComponent(`Outage ${Date.now()} ${Math.random()}`)}`;
    await faultControl('/refuse', { refuse: true });
    await faultControl('/cut', {});
    await unavailable(await call('/health/ready'));
    await unavailable(await call(search));
    await unavailable(await call('/v1/inquiries', { json: inquiryBody(uniqueEmail('fault-down')) }));
    await faultControl('/reset', {});
    expect((await call('/health/ready')).status).toBe(200);
    expect((await call(search)).status).toBe(200);
    expect((await call('/v1/inquiries', { json: inquiryBody(uniqueEmail('fault-back')) })).status).toBe(201);
  });

  it('GET /v1/properties answers 503, never 500, when the reply is cut mid-stream', async () => {
    // Every listing (no price is that high), under a cache key no other test has filled.
    const page = `/v1/properties?limit=50&maxPrice=${900_000_000_000 + Math.floor(Math.random() * 1e9)}`;
    const before = await state();
    await faultControl('/cut-after-bytes', { bytes: 12, direction: 'to-client' });
    await unavailable(await call(page));
    expect((await state()).cut).toBeGreaterThan(before.cut);
    expect((await call(page)).status).toBe(200);
  });

  it('GET /health/ready answers 503 at the query deadline when the database hangs, and 200 once it answers again', async () => {
    await faultControl('/latency', { ms: 2_000 });
    await unavailable(await call('/health/ready', { env: { DB_QUERY_TIMEOUT_MS: '300' } }));
    await faultControl('/reset', {});
    expect((await call('/health/ready', { env: { DB_QUERY_TIMEOUT_MS: '3000' } })).status).toBe(200);
  });
});

describe('faults: scheduled jobs cut mid-run', () => {
  const RETENTION = '0 3 * * *';
  const jobEnv = { RETENTION_BATCH_SIZE: '10' };

  async function seedExpiredEvents(n: number): Promise<string> {
    const marker = `fault-${uuidv7()}`;
    await direct().execute(sql`
      insert into analytics_events (id, type, metadata, created_at)
      select gen_random_uuid(), 'fault_probe', jsonb_build_object('marker', ${marker}::text),
             now() - interval '400 days'
      from generate_series(1, ${n})`);
    return marker;
  }

  const expired = () =>
    count(sql`select count(*) as n from analytics_events where created_at < now() - interval '90 days'`);

  async function runRetention() {
    const ctx = createExecutionContext();
    const outcomes = await runScheduled(RETENTION, faultyEnv(jobEnv), ctx);
    await waitOnExecutionContext(ctx);
    const outcome = outcomes[0];
    if (!outcome) throw new Error('the retention cron ran no job');
    return outcome;
  }

  const jobRun = async (runId: string) =>
    (
      await direct().execute<{ status: string; error: string | null; finished_at: string | null }>(
        sql`select status, error, finished_at from job_runs where id = ${runId}`,
      )
    ).rows[0];

  it.skipIf(!ownDatabase)(
    'scheduled retention cut mid-run records a failed job_runs row and the next run finishes the work (PostgreSQL only: on PGlite the job would run on the shared database)',
    async () => {
      await seedExpiredEvents(30);
      // The second batch's DELETE commits, its reply is lost: the run dies half-way.
      await swallowStatement({ match: 'delete from "analytics_events"', skip: 1 });
      const first = await runRetention();
      expect(first.status).toBe('failed');
      const left = await expired();
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(30);
      const row = await jobRun(first.runId);
      expect(row?.status).toBe('failed');
      expect(row?.error).toBeTruthy();
      expect(row?.finished_at).not.toBeNull();

      const second = await runRetention();
      expect(second.status).toBe('succeeded');
      expect(await expired()).toBe(0);
      expect((await jobRun(second.runId))?.status).toBe('succeeded');
    },
  );

  it.skipIf(!ownDatabase)(
    'scheduled retention whose database stays down keeps its run marked running until the lease passes, then the next run takes over (PostgreSQL only: on PGlite the job would run on the shared database)',
    async () => {
      await seedExpiredEvents(30);
      await swallowStatement({ match: 'delete from "analytics_events"', skip: 1, thenDown: true });
      const first = await runRetention();
      expect(first.status).toBe('failed');
      // It could not even record its failure: the row still says it is running, never that it succeeded.
      const stuck = await jobRun(first.runId);
      expect(stuck?.status).toBe('running');
      expect(stuck?.finished_at).toBeNull();
      const left = await expired();
      expect(left).toBeGreaterThan(0);

      await faultControl('/reset', {});
      // While its lease lasts, nobody else runs the job.
      expect((await runRetention()).status).toBe('skipped');
      // The lease passes (a 15-minute wait, simulated).
      await direct().execute(
        sql`update job_runs set lease_until = now() - interval '1 second' where id = ${first.runId}`,
      );
      const next = await runRetention();
      expect(next.status).toBe('succeeded');
      expect(await expired()).toBe(0);
      const abandoned = await jobRun(first.runId);
      expect(abandoned?.status).toBe('abandoned');
      expect(abandoned?.error).toMatch(/lease expired/);
    },
  );
});
