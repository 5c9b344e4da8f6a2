import { env as testEnv } from 'cloudflare:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import {
  accountTokens,
  analyticsEvents,
  analyticsViewClaims,
  auditLog,
  inquiries,
  loginThrottles,
  notificationQueue,
  properties,
  propertyImages,
  refreshTokens,
  sessions,
  tableSizeSamples,
} from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import { deleteOrphanedImages } from '../../src/services/images/orphans';
import { databaseKind, testDb, testOwnerDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { runNightly } from '../helpers/retention';
import { createTestUser } from '../helpers/users';

const env = testEnv as unknown as Bindings;
const DAY = 24 * 3600 * 1000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
const hex64 = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');

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
    expect(details.analyzed.map((a) => a.table)).toEqual(expect.arrayContaining(['users', 'properties', 'inquiries']));
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

  it('scheduled 0 3 * * * deletes reset and verification tokens a while after they expired or were used', async () => {
    const db = testDb();
    const user = await createTestUser();
    const ids = { expiredLongAgo: uuidv7(), usedLongAgo: uuidv7(), recentlyExpired: uuidv7(), live: uuidv7() };
    const row = (
      id: string,
      expiresAt: Date,
      usedAt: Date | null,
      purpose: 'password_reset' | 'email_verification',
    ) => ({
      id,
      userId: user.id,
      purpose,
      tokenHash: hex64(),
      email: user.email,
      expiresAt,
      usedAt,
      createdAt: ago(20),
    });
    await db
      .insert(accountTokens)
      .values([
        row(ids.expiredLongAgo, ago(8), null, 'password_reset'),
        row(ids.usedLongAgo, new Date(Date.now() + DAY), ago(8), 'email_verification'),
        row(ids.recentlyExpired, ago(6), null, 'password_reset'),
        row(ids.live, new Date(Date.now() + DAY), null, 'email_verification'),
      ]);
    const run = await runNightly();
    expect(run.status).toBe('succeeded');
    const left = await db
      .select({ id: accountTokens.id })
      .from(accountTokens)
      .where(inArray(accountTokens.id, Object.values(ids)));
    expect(left.map((r) => r.id).sort()).toEqual([ids.recentlyExpired, ids.live].sort());
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

  it('scheduled 0 3 * * * deletes audit entries older than RETENTION_AUDIT_DAYS (400) and keeps younger ones', async () => {
    const db = testDb();
    const [old, kept] = [uuidv7(), uuidv7()];
    const target = uuidv7();
    await db.insert(auditLog).values([
      { id: old, at: ago(401), action: 'user.unlock', targetType: 'user', targetId: target },
      { id: kept, at: ago(399), action: 'user.unlock', targetType: 'user', targetId: target },
    ]);
    const run = await runNightly();
    expect(run.status).toBe('succeeded');
    const deleted = (run.result as { deleted: Record<string, { deleted: number }> }).deleted.audit_log;
    expect(deleted?.deleted).toBeGreaterThanOrEqual(1);
    const left = await db.select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.targetId, target));
    expect(left.map((r) => r.id)).toEqual([kept]);
  });

  it('scheduled 0 3 * * * refuses RETENTION_AUDIT_DAYS under 30', async () => {
    const run = await runNightly({ RETENTION_AUDIT_DAYS: '7' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/RETENTION_AUDIT_DAYS/);
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
    const { id: propertyId } = await createTestProperty({ createdBy: owner.id });
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

  it('scheduled 0 3 * * * sweeps more objects than one run may list over ⌈N / budget⌉ runs, each going on where the last stopped', async () => {
    const db = testDb();
    const prefix = `properties/${uuidv7()}/`;
    const owner = await createTestUser({ role: 'admin' });
    const { id: propertyId } = await createTestProperty({ createdBy: owner.id });
    // 11 keys in key order, every third one referenced: 4 kept, 7 orphans, spread over every stretch.
    const keys = Array.from({ length: 11 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}.jpg`);
    const referenced = keys.filter((_, i) => i % 3 === 0);
    const orphans = keys.filter((k) => !referenced.includes(k));
    await db.insert(propertyImages).values(
      referenced.map((r2Key, i) => ({
        id: uuidv7(),
        propertyId,
        r2Key,
        contentType: 'image/jpeg',
        byteSize: 3,
        width: 1,
        height: 1,
        sha256: hex64(),
        sortOrder: i,
      })),
    );
    for (const key of keys) await env.IMAGES.put(key, new Uint8Array([1, 2, 3]));

    const vars = { ORPHAN_IMAGE_PREFIX: prefix, ORPHAN_IMAGE_MIN_AGE_MINUTES: '0', ORPHAN_SWEEP_MAX_SCANNED: '3' };
    type Sweep = {
      scanned: number;
      deleted: number;
      keys: string[];
      startedAfter: string | null;
      resumeAfter: string | null;
    };
    const sweeps: Sweep[] = [];
    for (let run = 0; run < Math.ceil(keys.length / 3); run++) {
      const done = await runNightly(vars);
      expect(done.status).toBe('succeeded');
      sweeps.push((done.result as { orphanImages: Sweep }).orphanImages);
    }
    // Each run lists at most the budget (keys deleted by earlier runs come before its start).
    expect(sweeps.map((s) => s.scanned)).toEqual([3, 3, 3, 2]);
    expect(sweeps.map((s) => s.startedAfter)).toEqual([null, keys[2], keys[5], keys[8]]);
    expect(sweeps.map((s) => s.resumeAfter)).toEqual([keys[2], keys[5], keys[8], null]);
    expect(sweeps.flatMap((s) => s.keys)).toEqual(orphans);
    for (const key of orphans) expect(await env.IMAGES.head(key)).toBeNull();
    for (const key of referenced) expect(await env.IMAGES.head(key)).not.toBeNull();

    // The pass is complete: the next run starts over from the beginning and finds nothing more.
    const again = await runNightly(vars);
    expect((again.result as { orphanImages: Sweep }).orphanImages).toMatchObject({
      startedAfter: null,
      scanned: 3,
      deleted: 0,
    });
    await db.delete(properties).where(eq(properties.id, propertyId));
  });

  it('deleteOrphanedImages resumed run by run never touches an object younger than the minimum age', async () => {
    const prefix = `properties/${uuidv7()}/`;
    const old = Array.from({ length: 5 }, (_, i) => `${prefix}a${i}.jpg`);
    for (const key of old) await env.IMAGES.put(key, new Uint8Array([1]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cutoff = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Younger keys interleaved with old ones in key order.
    const young = Array.from({ length: 4 }, (_, i) => `${prefix}a${i}-young.jpg`);
    for (const key of young) await env.IMAGES.put(key, new Uint8Array([1]));

    const found: string[] = [];
    let startAfter: string | undefined;
    let runs = 0;
    do {
      const report = await deleteOrphanedImages(testDb(), env.IMAGES, {
        prefix,
        graceMs: 0,
        now: cutoff,
        maxScanned: 2,
        ...(startAfter ? { startAfter } : {}),
      });
      found.push(...report.keys);
      startAfter = report.resumeAfter ?? undefined;
      runs++;
    } while (startAfter);
    expect(runs).toBe(Math.ceil((old.length + young.length) / 2));
    expect(found.sort()).toEqual([...old].sort());
    for (const key of young) expect(await env.IMAGES.head(key)).not.toBeNull();
  });

  it('deleteOrphanedImages that reaches its delete limit inside a stretch goes on after the last key it deleted', async () => {
    const prefix = `properties/${uuidv7()}/`;
    const orphans = Array.from({ length: 6 }, (_, i) => `${prefix}o${i}.jpg`);
    for (const key of orphans) await env.IMAGES.put(key, new Uint8Array([1]));
    const reports = [];
    let startAfter: string | undefined;
    do {
      const report = await deleteOrphanedImages(testDb(), env.IMAGES, {
        prefix,
        graceMs: 0,
        limit: 2,
        ...(startAfter ? { startAfter } : {}),
      });
      reports.push(report);
      startAfter = report.resumeAfter ?? undefined;
    } while (startAfter && reports.length < 10);
    expect(reports.map((r) => r.keys)).toEqual([orphans.slice(0, 2), orphans.slice(2, 4), orphans.slice(4)]);
    expect(reports.map((r) => r.resumeAfter)).toEqual([orphans[1], orphans[3], null]);
    for (const key of orphans) expect(await env.IMAGES.head(key)).toBeNull();
  });

  it('scheduled 0 3 * * * ANALYZEs every table of the schema, as the app role too, and records its size', async () => {
    const run = await runNightly();
    expect(run.status).toBe('succeeded');
    const result = run.result as {
      analyzed: Array<{ table: string; status: string }>;
      tableSizes: { sampled: number };
    };
    const tables = (
      await testDb().execute<{ name: string }>(sql`
        select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'm') and not c.relispartition order by 1`)
    ).rows.map((r) => r.name);
    // A partitioned table's ANALYZE also covers its partitions (analytics_events' months).
    expect(result.analyzed.map((a) => a.table)).toEqual(tables);
    expect(result.analyzed.filter((a) => a.status !== 'done')).toEqual([]);
    expect(result.tableSizes.sampled).toBeGreaterThan(tables.length);
    if (databaseKind === 'postgres') {
      const stale = await testDb().execute<{ relname: string }>(sql`
        select relname from pg_stat_user_tables
        where schemaname = 'public' and (last_analyze is null or last_analyze < ${run.startedAt.toISOString()}::timestamptz)`);
      expect(stale.rows).toEqual([]);
    }
    const [sample] = await testDb()
      .select()
      .from(tableSizeSamples)
      .where(
        sql`${tableSizeSamples.relation} = 'job_runs' and ${tableSizeSamples.sampledOn} = (now() at time zone 'UTC')::date`,
      );
    expect(sample).toMatchObject({ kind: 'table', tableName: 'job_runs' });
    expect(sample?.bytes).toBeGreaterThan(0);
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
