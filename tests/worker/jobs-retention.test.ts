import {
  createExecutionContext,
  createScheduledController,
  env as testEnv,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import {
  analyticsEvents,
  analyticsViewClaims,
  inquiries,
  jobRuns,
  loginThrottles,
  notificationQueue,
  properties,
  propertyImages,
  refreshTokens,
  sessions,
} from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import worker from '../../src/index';
import { testDb, testOwnerDb } from '../helpers/db';
import { createTestUser } from '../helpers/users';

const env = testEnv as unknown as Bindings;
const DAY = 24 * 3600 * 1000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
const hex64 = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');

/** Fires the nightly cron through the Worker's own `scheduled` handler and waits for it. */
async function runNightly(vars: Record<string, string> = {}) {
  const before = new Date(Date.now() - 1000);
  const controller = createScheduledController({ cron: '0 3 * * *', scheduledTime: Date.now() });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, { ...env, ...vars } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  const db = testDb();
  const [run] = await db
    .select()
    .from(jobRuns)
    .where(sql`${jobRuns.name} = 'retention' and ${jobRuns.startedAt} >= ${before.toISOString()}::timestamptz`)
    .orderBy(sql`${jobRuns.startedAt} desc`)
    .limit(1);
  if (!run) throw new Error('the retention run left no job_runs row');
  return run;
}

describe('retention job', () => {
  it('scheduled 0 3 * * * deletes expired analytics, tokens, sessions and old sent notifications and keeps the rest', async () => {
    const db = testDb();
    const marker = uuidv7();
    const user = await createTestUser();
    const events = { old: uuidv7(), recent: uuidv7() };
    await db.insert(analyticsEvents).values([
      { id: events.old, type: 'property_view', metadata: { marker }, createdAt: ago(91) },
      { id: events.recent, type: 'property_view', metadata: { marker }, createdAt: ago(89) },
    ]);

    const s = { expired: uuidv7(), revoked: uuidv7(), recentlyExpired: uuidv7() };
    await db.insert(sessions).values([
      { id: s.expired, userId: user.id, expiresAt: ago(8) },
      { id: s.revoked, userId: user.id, expiresAt: new Date(Date.now() + DAY), revokedAt: ago(8) },
      { id: s.recentlyExpired, userId: user.id, expiresAt: ago(6) },
    ]);
    const t = {
      ofExpiredSession: uuidv7(),
      expired: uuidv7(),
      revoked: uuidv7(),
      recentlyExpired: uuidv7(),
      live: uuidv7(),
    };
    const token = (id: string, sessionId: string, expiresAt: Date, revokedAt?: Date) => ({
      id,
      sessionId,
      userId: user.id,
      tokenHash: hex64(),
      expiresAt,
      revokedAt: revokedAt ?? null,
    });
    await db
      .insert(refreshTokens)
      .values([
        token(t.ofExpiredSession, s.expired, ago(8)),
        token(t.expired, user.sessionId, ago(8)),
        token(t.revoked, user.sessionId, new Date(Date.now() + DAY), ago(9)),
        token(t.recentlyExpired, user.sessionId, ago(1)),
        token(t.live, user.sessionId, new Date(Date.now() + DAY)),
      ]);

    const n = { oldSent: uuidv7(), recentSent: uuidv7(), oldPending: uuidv7(), oldDead: uuidv7() };
    const note = (id: string, status: 'sent' | 'pending' | 'dead', at: Date) => ({
      id,
      kind: 'test',
      recipient: 'ops@example.com',
      idempotencyKey: `retention-${id}`,
      status,
      sentAt: status === 'sent' ? at : null,
      createdAt: at,
      nextAttemptAt: status === 'pending' ? new Date(Date.now() + 365 * DAY) : at,
    });
    await db
      .insert(notificationQueue)
      .values([
        note(n.oldSent, 'sent', ago(31)),
        note(n.recentSent, 'sent', ago(29)),
        note(n.oldPending, 'pending', ago(60)),
        note(n.oldDead, 'dead', ago(60)),
      ]);

    const run = await runNightly();
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('cron');
    expect(run.finishedAt).not.toBeNull();
    expect(run.rowsAffected).toBeGreaterThanOrEqual(7);

    const leftEvents = await db
      .select({ id: analyticsEvents.id })
      .from(analyticsEvents)
      .where(inArray(analyticsEvents.id, Object.values(events)));
    expect(leftEvents.map((r) => r.id)).toEqual([events.recent]);

    const leftSessions = await db
      .select({ id: sessions.id })
      .from(sessions)
      .where(inArray(sessions.id, [...Object.values(s), user.sessionId]));
    expect(leftSessions.map((r) => r.id).sort()).toEqual([s.recentlyExpired, user.sessionId].sort());

    const leftTokens = await db
      .select({ id: refreshTokens.id })
      .from(refreshTokens)
      .where(inArray(refreshTokens.id, Object.values(t)));
    expect(leftTokens.map((r) => r.id).sort()).toEqual([t.recentlyExpired, t.live].sort());

    const leftNotes = await db
      .select({ id: notificationQueue.id })
      .from(notificationQueue)
      .where(inArray(notificationQueue.id, Object.values(n)));
    expect(leftNotes.map((r) => r.id).sort()).toEqual([n.recentSent, n.oldPending, n.oldDead].sort());

    const details = run.result as { analyzed: Array<{ table: string; status: string }> };
    expect(details.analyzed.map((a) => a.table)).toEqual(['users', 'properties', 'property_images', 'inquiries']);
  });

  it('scheduled 0 3 * * * forgets sign-in clients untouched for LOGIN_KNOWN_CLIENT_DAYS and keeps recent ones', async () => {
    const db = testDb();
    const user = await createTestUser();
    const rows = { stale: uuidv7(), recent: uuidv7() };
    await db.insert(loginThrottles).values([
      { id: rows.stale, userId: user.id, clientKey: hex64(), lastSucceededAt: ago(31), lastSeenAt: ago(31) },
      {
        id: rows.recent,
        userId: user.id,
        clientKey: hex64(),
        failedCount: 3,
        lastFailedAt: ago(29),
        lastSeenAt: ago(29),
      },
    ]);
    const run = await runNightly();
    expect(run.status).toBe('succeeded');
    const left = await db
      .select({ id: loginThrottles.id })
      .from(loginThrottles)
      .where(inArray(loginThrottles.id, [rows.stale, rows.recent]));
    expect(left.map((r) => r.id)).toEqual([rows.recent]);
  });

  it('scheduled 0 3 * * * deletes in bounded batches and honours a shorter configured period', async () => {
    const db = testDb();
    const marker = uuidv7();
    const old = Array.from({ length: 5 }, () => uuidv7());
    const kept = uuidv7();
    await db
      .insert(analyticsEvents)
      .values([
        ...old.map((id) => ({ id, type: 'search', metadata: { marker }, createdAt: ago(45) })),
        { id: kept, type: 'search', metadata: { marker }, createdAt: ago(20) },
      ]);

    const run = await runNightly({ RETENTION_ANALYTICS_DAYS: '30', RETENTION_BATCH_SIZE: '2' });
    expect(run.status).toBe('succeeded');
    const deleted = (run.result as { deleted: Record<string, { deleted: number; batches: number; more: boolean }> })
      .deleted.analytics_events;
    expect(deleted?.deleted).toBeGreaterThanOrEqual(5);
    // 5 rows at 2 per statement take at least 3 statements, the last one short.
    expect(deleted?.batches).toBeGreaterThanOrEqual(3);
    expect(deleted?.more).toBe(false);
    expect((run.result as { periods: { analyticsDays: number } }).periods.analyticsDays).toBe(30);

    const left = await db
      .select({ id: analyticsEvents.id })
      .from(analyticsEvents)
      .where(sql`${analyticsEvents.metadata}->>'marker' = ${marker}`);
    expect(left.map((r) => r.id)).toEqual([kept]);
  });

  it('scheduled 0 3 * * * keeps the analytics_events partitions of this month and the next two ready', async () => {
    const run = await runNightly();
    expect(run.status).toBe('succeeded');
    expect(run.result).toHaveProperty('analyticsPartitions.dropped');
    const { rows } = await testDb().execute<{ name: string }>(sql`
      select inhrelid::regclass::text as name from pg_inherits where inhparent = 'analytics_events'::regclass`);
    const month = (ahead: number) => {
      const d = new Date();
      const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + ahead, 1));
      return `analytics_events_${m.getUTCFullYear()}_${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining([month(0), month(1), month(2)]));
  });

  it('scheduled 0 3 * * * stops at the batch cap and says more rows remain', async () => {
    const db = testDb();
    const ids = Array.from({ length: 3 }, () => uuidv7());
    await db.insert(analyticsEvents).values(ids.map((id) => ({ id, type: 'search', createdAt: ago(400) })));
    const run = await runNightly({ RETENTION_BATCH_SIZE: '1', RETENTION_MAX_BATCHES: '1' });
    const deleted = (run.result as { deleted: Record<string, { deleted: number; more: boolean }> }).deleted
      .analytics_events;
    expect(deleted).toEqual({ deleted: 1, batches: 1, more: true });
    await runNightly();
    const left = await db
      .select({ id: analyticsEvents.id })
      .from(analyticsEvents)
      .where(inArray(analyticsEvents.id, ids));
    expect(left).toEqual([]);
  });

  it('scheduled 0 3 * * * removes R2 photos without an image row and keeps young, referenced and foreign objects', async () => {
    const db = testDb();
    const prefix = `properties/${uuidv7()}/`;
    const owner = await createTestUser({ role: 'admin' });
    const propertyId = uuidv7();
    await db.insert(properties).values({
      id: propertyId,
      slug: `retention-${propertyId.slice(-12)}`,
      title: 'Retention test house',
      propertyType: 'house',
      listingType: 'sale',
      price: 100_000_00,
      addressLine1: '1 Test Street',
      city: 'Testville',
      country: 'US',
      createdBy: owner.id,
    });
    const referenced = `${prefix}referenced.jpg`;
    const orphan = `${prefix}orphan.jpg`;
    const elsewhere = `other/${uuidv7()}.jpg`;
    await db.insert(propertyImages).values({
      id: uuidv7(),
      propertyId,
      r2Key: referenced,
      contentType: 'image/jpeg',
      byteSize: 3,
      width: 1,
      height: 1,
      sha256: hex64(),
      sortOrder: 0,
    });
    for (const key of [referenced, orphan, elsewhere]) await env.IMAGES.put(key, new Uint8Array([1, 2, 3]));

    // With the default minimum age, a fresh object may be an upload in flight: it stays.
    const young = await runNightly({ ORPHAN_IMAGE_PREFIX: prefix });
    expect((young.result as { orphanImages: { deleted: number; scanned: number } }).orphanImages).toMatchObject({
      scanned: 2,
      deleted: 0,
    });
    expect(await env.IMAGES.head(orphan)).not.toBeNull();

    const run = await runNightly({ ORPHAN_IMAGE_PREFIX: prefix, ORPHAN_IMAGE_MIN_AGE_MINUTES: '0' });
    expect((run.result as { orphanImages: { keys: string[]; deleted: number } }).orphanImages).toMatchObject({
      keys: [orphan],
      deleted: 1,
    });
    expect(await env.IMAGES.head(orphan)).toBeNull();
    expect(await env.IMAGES.head(referenced)).not.toBeNull();
    expect(await env.IMAGES.head(elsewhere)).not.toBeNull();
    await db.delete(properties).where(eq(properties.id, propertyId));
  });

  it('scheduled 0 3 * * * records a failed run with the error when its configuration is invalid', async () => {
    const run = await runNightly({ RETENTION_ANALYTICS_DAYS: 'forever' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/RETENTION_ANALYTICS_DAYS/);
    expect(run.leaseUntil).toBeNull();
  });

  it('scheduled 0 3 * * * forgets inquiry Idempotency-Keys older than 24 hours and keeps the inquiries', async () => {
    const owner = testOwnerDb();
    const ids = { old: uuidv7(), recent: uuidv7() };
    await owner.insert(inquiries).values([
      {
        id: ids.old,
        name: 'Old',
        email: 'old@example.com',
        message: 'An old inquiry here.',
        idempotencyKey: hex64(),
        createdAt: new Date(Date.now() - DAY - 60_000),
      },
      {
        id: ids.recent,
        name: 'New',
        email: 'new@example.com',
        message: 'A recent inquiry.',
        idempotencyKey: hex64(),
        createdAt: new Date(Date.now() - DAY + 600_000),
      },
    ]);
    const run = await runNightly();
    expect(run.status).toBe('succeeded');
    const left = await testDb()
      .select({ id: inquiries.id, key: inquiries.idempotencyKey })
      .from(inquiries)
      .where(inArray(inquiries.id, [ids.old, ids.recent]))
      .orderBy(inquiries.id);
    expect(left).toEqual([
      { id: ids.old, key: null },
      { id: ids.recent, key: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
  });

  it('scheduled 0 3 * * * deletes the view claims of past windows and keeps the current one', async () => {
    const listing = uuidv7();
    const viewer = hex64().slice(0, 32);
    const current = new Date(Math.floor(Date.now() / 1_800_000) * 1_800_000);
    await testOwnerDb()
      .insert(analyticsViewClaims)
      .values([
        { propertyId: listing, viewer, windowStart: new Date(current.getTime() - 3_600_000) },
        { propertyId: listing, viewer, windowStart: current },
      ]);
    expect((await runNightly()).status).toBe('succeeded');
    const left = await testDb()
      .select({ windowStart: analyticsViewClaims.windowStart })
      .from(analyticsViewClaims)
      .where(eq(analyticsViewClaims.propertyId, listing));
    expect(left).toEqual([{ windowStart: current }]);
  });
});
