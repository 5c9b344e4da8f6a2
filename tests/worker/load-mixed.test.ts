import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { createEmailTransport } from '../../src/services/email/create-transport';
import { drainNotifications, drainSettings } from '../../src/services/notifications/drain';
import { type ApiOptions, apiRequest } from '../helpers/api';
import { databaseKind, testConfig, testDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, TEST_PASSWORD, type TestUser, type TokensBody } from '../helpers/users';

/**
 * A bounded load on loopback: a fixed list of requests (public reads, logins, refreshes,
 * inquiries with and without retried Idempotency-Keys, admin writes) run by 50 concurrent
 * clients until the list is done. Afterwards: no 5xx, and the database holds exactly what the
 * clients were told, and every notification reached the email sink exactly once. PostgreSQL
 * gets the full load; PGlite (one backend that serialises everything) a smaller one.
 *
 * bcrypt runs at cost 4 here (the fixtures' cost): every request of this test shares one
 * isolate's CPU, and 450 logins re-hashing at cost 10 would starve the rest of it until their
 * database deadlines pass (503s measuring bcrypt, not the API). The auth tests cover the cost.
 */

const CONCURRENCY = 50;
const TOTAL = databaseKind === 'postgres' ? 3_000 : 500;
const USERS = 25;
const RUN = `load${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

type Kind = 'read' | 'login' | 'refresh' | 'inquiry' | 'inquiry-retry' | 'create-listing' | 'patch-inquiry';

/** The shape of the mix, out of 20. */
const MIX: Array<[Kind, number]> = [
  ['read', 8],
  ['login', 3],
  ['refresh', 3],
  ['inquiry', 3],
  ['inquiry-retry', 1],
  ['create-listing', 1],
  ['patch-inquiry', 1],
];

interface Ledger {
  statuses: Map<number, number>;
  serverErrors: string[];
  rateLimited: number;
  logins: number;
  refreshes: number;
  /** Inquiry id → the email it was sent with, as the clients were told (201). */
  inquiries: Map<string, string>;
  /** Idempotency-Key → every id answered for it. */
  keyAnswers: Map<string, Set<string>>;
  listings: Set<string>;
  patchedInquiries: Set<string>;
}

let admin: TestUser;
let agentEmail: string;
let listing: { id: string; slug: string };
let users: TestUser[];

let ipCounter = 0;
/**
 * Each request its own client address, and consecutive ones in different /24s: the per-IP
 * budgets and the per-network acknowledgement bound are not what this test is about.
 */
const ip = () => {
  ipCounter += 1;
  return `198.${18 + ((ipCounter >> 16) & 1)}.${ipCounter & 255}.${(ipCounter >> 8) & 255}`;
};

const app = createApp();
const loadEnv = { ...(env as Record<string, unknown>), BCRYPT_COST: '4' };
/** Background work (notification kicks) of every request, awaited once the load is over. */
const background: Array<Promise<void>> = [];

/** Like api(), into the same Worker code, with the load's environment. */
async function api(path: string, options: ApiOptions = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(apiRequest(path, options), loadEnv, ctx);
  background.push(waitOnExecutionContext(ctx));
  return res;
}

beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
  agentEmail = admin.email;
  listing = await createTestProperty({ createdBy: admin.id, title: `Load test home ${RUN}` });
  users = await Promise.all(Array.from({ length: USERS }, () => createTestUser({ role: 'user' })));
});

function schedule(): Kind[] {
  const cycle = MIX.flatMap(([kind, weight]) => Array.from({ length: weight }, () => kind));
  return Array.from({ length: TOTAL }, (_, i) => cycle[(i * 7) % cycle.length] as Kind);
}

async function runLoad(): Promise<Ledger> {
  const ledger: Ledger = {
    statuses: new Map(),
    serverErrors: [],
    rateLimited: 0,
    logins: 0,
    refreshes: 0,
    inquiries: new Map(),
    keyAnswers: new Map(),
    listings: new Set(),
    patchedInquiries: new Set(),
  };
  const refreshTokens: string[] = [];
  const patchable: string[] = [];
  let inquiryCounter = 0;

  function record(kind: Kind, res: Response, body: string) {
    ledger.statuses.set(res.status, (ledger.statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) ledger.serverErrors.push(`${kind}: ${res.status} ${body.slice(0, 300)}`);
    if (res.status === 429) ledger.rateLimited += 1;
  }

  async function inquiry(key?: string, n = ++inquiryCounter): Promise<void> {
    const email = `${RUN}-${n}@example.com`;
    const res = await api('/v1/inquiries', {
      json: { propertyId: listing.id, name: `Load ${n}`, email, message: `Load test inquiry number ${n}.` },
      headers: key ? { 'Idempotency-Key': key } : {},
      ip: ip(),
    });
    const body = await res.text();
    record('inquiry', res, body);
    if (res.status !== 201) return;
    const { id } = JSON.parse(body) as { id: string };
    ledger.inquiries.set(id, email);
    if (key) ledger.keyAnswers.set(key, (ledger.keyAnswers.get(key) ?? new Set()).add(id));
    if (res.headers.get('Idempotent-Replayed') !== 'true') patchable.push(id);
  }

  const run: Record<Kind, (i: number) => Promise<void>> = {
    read: async (i) => {
      const paths = [
        '/v1/properties?limit=5',
        `/v1/properties/${listing.slug}`,
        '/v1/properties/facets',
        '/health/ready',
      ];
      const path = paths[i % paths.length] as string;
      const res = await api(path, { ip: ip() });
      record('read', res, await res.text());
    },
    login: async (i) => {
      const user = users[i % users.length] as TestUser;
      const res = await api('/v1/auth/login', {
        json: { email: user.email, password: TEST_PASSWORD, deviceName: 'load' },
        ip: ip(),
      });
      const body = await res.text();
      record('login', res, body);
      if (res.status === 200) {
        ledger.logins += 1;
        refreshTokens.push((JSON.parse(body) as TokensBody).refreshToken);
      }
    },
    refresh: async (i) => {
      const token = refreshTokens.shift();
      if (!token) return run.read(i);
      const res = await api('/v1/auth/refresh', { json: { refreshToken: token }, ip: ip() });
      const body = await res.text();
      record('refresh', res, body);
      if (res.status === 200) {
        ledger.refreshes += 1;
        refreshTokens.push((JSON.parse(body) as TokensBody).refreshToken);
      }
    },
    inquiry: () => inquiry(),
    // A client that retries at once, before knowing the outcome: the same key twice, concurrently.
    'inquiry-retry': async () => {
      const key = `${RUN}-key-${uuidv7()}`;
      const n = ++inquiryCounter;
      await Promise.all([inquiry(key, n), inquiry(key, n)]);
    },
    'create-listing': async (i) => {
      const res = await api('/v1/admin/properties', {
        token: admin.token,
        json: {
          title: `${RUN} listing ${i}`,
          propertyType: 'apartment',
          listingType: 'rent',
          price: 150_000 + i,
          address: { line1: `${i} Load Street`, city: 'Loadville', country: 'US' },
        },
        ip: ip(),
      });
      const body = await res.text();
      record('create-listing', res, body);
      if (res.status === 201) ledger.listings.add((JSON.parse(body) as { id: string }).id);
    },
    'patch-inquiry': async (i) => {
      const id = patchable.shift();
      if (!id) return run.read(i);
      const res = await api(`/v1/admin/inquiries/${id}`, {
        method: 'PATCH',
        token: admin.token,
        json: { status: 'contacted' },
        ip: ip(),
      });
      record('patch-inquiry', res, await res.text());
      if (res.status === 200) ledger.patchedInquiries.add(id);
    },
  };

  const work = schedule();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < work.length; i = next++) await run[work[i] as Kind](i);
    }),
  );
  await Promise.allSettled(background);
  return ledger;
}

/**
 * What the per-minute drain does for a send that failed during the load (its backoff fast-
 * forwarded): only this run's rows, so no other test file's queue is touched.
 */
async function retryLeftovers(): Promise<void> {
  const db = testDb();
  const left = await db.execute<{ id: string }>(sql`
    update notification_queue set next_attempt_at = now()
    where status = 'pending' and (recipient like ${`${RUN}-%`} or payload->>'email' like ${`${RUN}-%`})
    returning id`);
  if (left.rows.length === 0) return;
  const config = testConfig();
  const logger = createLogger({ test: 'load-mixed' }, 'warn');
  await drainNotifications({
    db,
    transport: createEmailTransport(config, logger),
    logger,
    settings: drainSettings(config),
    ids: left.rows.map((r) => r.id),
  });
}

const count = async (query: ReturnType<typeof sql>) =>
  Number((await testDb().execute<{ n: string | number }>(query)).rows[0]?.n ?? 0);

describe('load: 50 concurrent clients, mixed traffic', () => {
  let ledger: Ledger;

  beforeAll(async () => {
    ledger = await runLoad();
  }, 300_000);

  it('mixed load of public reads, logins, refreshes, inquiries and admin writes ends with zero 5xx', () => {
    expect(ledger.serverErrors).toEqual([]);
    const answered = [...ledger.statuses.values()].reduce((a, b) => a + b, 0);
    expect(answered).toBeGreaterThanOrEqual(TOTAL);
    // Every client had its own address: nothing should have been rate limited either.
    expect(ledger.rateLimited).toBe(0);
    expect(ledger.logins).toBeGreaterThan(0);
    expect(ledger.refreshes).toBeGreaterThan(0);
  });

  it('POST /v1/inquiries under load stores exactly the inquiries the clients were told about, each once', async () => {
    const stored = await testDb().execute<{ id: string; email: string; idempotency_key: string | null }>(
      sql`select id, email, idempotency_key from inquiries where email like ${`${RUN}-%`}`,
    );
    const storedIds = stored.rows.map((r) => r.id).sort();
    expect(storedIds).toEqual([...ledger.inquiries.keys()].sort());
    // Concurrent retries with one key were told one id, stored once.
    expect(ledger.keyAnswers.size).toBeGreaterThan(0);
    for (const [key, ids] of ledger.keyAnswers) {
      expect(ids.size, key).toBe(1);
      // Stored as a hash of the key with the body, never as sent.
      expect(stored.rows.find((r) => ids.has(r.id))?.idempotency_key, key).toMatch(/^[0-9a-f]{64}$/);
    }
    const emails = stored.rows.map((r) => r.email);
    expect(new Set(emails).size).toBe(emails.length);
    // Each inquiry is whole: its created event and its two notifications.
    const ids = sql.join(
      storedIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    );
    expect(
      await count(sql`select count(*) as n from inquiry_events where type = 'created' and inquiry_id in (${ids})`),
    ).toBe(storedIds.length);
    expect(
      await count(sql`select count(*) as n from notification_queue where payload->>'inquiryId' in (
        select id::text from inquiries where email like ${`${RUN}-%`})`),
    ).toBe(storedIds.length);
    expect(await count(sql`select count(*) as n from notification_queue where recipient like ${`${RUN}-%`}`)).toBe(
      storedIds.length,
    );
  });

  it('POST /v1/inquiries under load delivers every notification to the email sink exactly once', async () => {
    await retryLeftovers();
    const expectedAcks = new Set(ledger.inquiries.values());
    const acks = await eventually(async () => {
      const delivered = (await sinkRequests(RUN)).filter((r) => !r.failed);
      return delivered.length >= expectedAcks.size ? delivered : undefined;
    }, 60_000);
    const ackRecipients = acks.flatMap((r) => r.body?.to ?? []);
    expect(ackRecipients.sort()).toEqual([...expectedAcks].sort());
    expect(new Set(acks.map((r) => r.headers.idempotencyKey)).size).toBe(acks.length);

    // The agent hears of each of this run's inquiries once (other files' general inquiries reach every admin).
    const mine = (key: string | undefined) =>
      ledger.inquiries.has(key?.match(/^inquiry:([0-9a-f-]{36}):received:/)?.[1] ?? '');
    const received = await eventually(async () => {
      const delivered = (await sinkRequests(agentEmail)).filter((r) => !r.failed && mine(r.headers.idempotencyKey));
      return delivered.length >= ledger.inquiries.size ? delivered : undefined;
    }, 60_000);
    const keys = received.map((r) => r.headers.idempotencyKey);
    expect(keys).toHaveLength(ledger.inquiries.size);
    expect(new Set(keys).size).toBe(keys.length);
    // And the queue agrees: everything sent, nothing pending or dead.
    expect(
      await count(
        sql`select count(*) as n from notification_queue where recipient like ${`${RUN}-%`} and status <> 'sent'`,
      ),
    ).toBe(0);
  });

  it('POST /v1/auth/login and /v1/auth/refresh under load left exactly one session per login and one token per answer', async () => {
    const userIds = sql.join(
      users.map((u) => sql`${u.id}::uuid`),
      sql`, `,
    );
    // The fixtures' own sessions have no refresh tokens.
    expect(await count(sql`select count(*) as n from sessions where user_id in (${userIds})`)).toBe(
      ledger.logins + users.length,
    );
    expect(await count(sql`select count(*) as n from refresh_tokens where user_id in (${userIds})`)).toBe(
      ledger.logins + ledger.refreshes,
    );
    expect(
      await count(sql`select count(*) as n from refresh_tokens where user_id in (${userIds}) and used_at is not null`),
    ).toBe(ledger.refreshes);
  });

  it('POST /v1/admin/properties and PATCH /v1/admin/inquiries/:id under load wrote exactly what they answered', async () => {
    expect(ledger.listings.size).toBeGreaterThan(0);
    expect(await count(sql`select count(*) as n from properties where title like ${`${RUN} listing %`}`)).toBe(
      ledger.listings.size,
    );
    expect(ledger.patchedInquiries.size).toBeGreaterThan(0);
    const patched = sql.join(
      [...ledger.patchedInquiries].map((id) => sql`${id}::uuid`),
      sql`, `,
    );
    expect(
      await count(
        sql`select count(*) as n from inquiry_events where type = 'status_changed' and inquiry_id in (${patched})`,
      ),
    ).toBe(ledger.patchedInquiries.size);
    expect(
      await count(sql`select count(*) as n from inquiries where status = 'contacted' and email like ${`${RUN}-%`}`),
    ).toBe(ledger.patchedInquiries.size);
  });
});
