import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { api, expectProblem, json } from '../helpers/api';
import { testDb, testOwnerDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import { createTestUser, uniqueEmail } from '../helpers/users';

const MESSAGE = 'I would like to visit this house next week, please.';

async function rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>) {
  return (await testDb().execute<T>(query)).rows;
}

function inquiry(overrides: Record<string, unknown> = {}) {
  return { name: 'Ada Visitor', email: uniqueEmail('visitor'), message: MESSAGE, ...overrides };
}

describe('POST /v1/inquiries', () => {
  it('POST /v1/inquiries checks the listing, stores everything and finds the recipients in one database round trip', async () => {
    const agent = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty({ createdBy: agent.id });
    const res = await api('/v1/inquiries', { json: inquiry({ propertyId: listing.id }), ip: uniqueIp() });
    expect(res.status).toBe(201);
    expect(res.headers.get('Server-Timing')).toMatch(/db;dur=[\d.]+;desc="1 database round trips"/);
    const { id } = await json<{ id: string }>(res);
    const queued = await rows<{ kind: string; recipient: string; payload: Record<string, unknown> }>(sql`
      select kind, recipient, payload from notification_queue where idempotency_key like ${`inquiry:${id}:%`} order by kind`);
    expect(queued.map((q) => [q.kind, q.recipient])).toEqual([
      ['inquiry_acknowledgement', expect.any(String)],
      ['inquiry_received', agent.email],
    ]);
    expect(queued[1]?.payload).toMatchObject({
      inquiryId: id,
      propertyTitle: listing.title,
      propertySlug: listing.slug,
    });
    expect(Object.keys(queued[0]?.payload ?? {})).toEqual(['propertyTitle']);
  });

  it('POST /v1/inquiries for a draft listing is a 404 in the same single round trip, and stores nothing', async () => {
    const listing = await createTestProperty({ status: 'draft' });
    const body = inquiry({ propertyId: listing.id });
    const res = await api('/v1/inquiries', { json: body, ip: uniqueIp() });
    await expectProblem(res, 404, 'PROPERTY_NOT_FOUND');
    expect(await rows(sql`select 1 from inquiries where email = ${body.email}`)).toEqual([]);
    expect(await rows(sql`select 1 from notification_queue where recipient = ${body.email}`)).toEqual([]);
  });

  it('POST /v1/inquiries stores the inquiry, its history, an analytics event and the emails together', async () => {
    const agent = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty({ createdBy: agent.id });
    const body = inquiry({ propertyId: listing.id, phone: '+1 (415) 555-0123' });
    const res = await api('/v1/inquiries', { json: body, ip: '203.0.113.77', headers: { 'User-Agent': 'vitest-ua' } });
    expect(res.status).toBe(201);
    const created = await json<{ id: string; status: string }>(res);
    expect(created.status).toBe('new');

    const [row] = await rows<{
      property_id: string;
      name: string;
      email: string;
      phone: string;
      status: string;
      ip_address: string;
      user_agent: string;
      assigned_to: string | null;
    }>(sql`select * from inquiries where id = ${created.id}`);
    expect(row).toMatchObject({
      property_id: listing.id,
      name: 'Ada Visitor',
      email: body.email,
      phone: '+14155550123',
      status: 'new',
      ip_address: '203.0.113.0/24',
      user_agent: 'vitest-ua',
      assigned_to: null,
    });

    const events = await rows<{ type: string; to_status: string }>(
      sql`select type, to_status from inquiry_events where inquiry_id = ${created.id}`,
    );
    expect(events).toEqual([{ type: 'created', to_status: 'new' }]);

    const analytics = await rows<{ type: string; property_id: string; ip_address: string }>(sql`
      select type, property_id, ip_address from analytics_events where metadata->>'inquiryId' = ${created.id}`);
    expect(analytics).toEqual([{ type: 'inquiry_submitted', property_id: listing.id, ip_address: '203.0.113.0/24' }]);

    const queued = await rows<{ kind: string; recipient: string }>(sql`
      select kind, recipient from notification_queue where idempotency_key like ${`inquiry:${created.id}:%`}
      order by kind`);
    // The listing's agent hears about it (not every admin), and the visitor gets an acknowledgement.
    expect(queued).toEqual([
      { kind: 'inquiry_acknowledgement', recipient: body.email },
      { kind: 'inquiry_received', recipient: agent.email },
    ]);
  });

  it('POST /v1/inquiries sends both emails within seconds through waitUntil, with the row idempotency key', async () => {
    const agent = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty({ createdBy: agent.id, title: 'Sunny <b>Loft</b>' });
    const body = inquiry({ propertyId: listing.id, message: 'Hello <script>alert(1)</script> & "friends"' });
    const res = await api('/v1/inquiries', { json: body, ip: uniqueIp() });
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);

    const toAgent = await eventually(async () => (await sinkRequests(agent.email)).find((r) => !r.failed));
    expect(toAgent.headers.idempotencyKey).toBe(`inquiry:${id}:received:${agent.id}`);
    expect(toAgent.headers.authorization).toBe('Bearer test-email-key');
    expect(toAgent.body?.to).toEqual([agent.email]);
    expect(toAgent.body?.text).toContain('<script>alert(1)</script>');
    expect(toAgent.body?.html).toContain('Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;');
    expect(toAgent.body?.html).toContain('Sunny &lt;b&gt;Loft&lt;/b&gt;');
    expect(toAgent.body?.html).not.toContain('<script>');

    const ack = await eventually(async () => (await sinkRequests(body.email)).find((r) => !r.failed));
    expect(ack.body?.subject).toBe('We received your inquiry');
    // The acknowledgement never relays the visitor's text to the address they typed.
    expect(ack.body?.text).not.toContain('script');

    const statuses = await eventually(async () => {
      const found = await rows<{ status: string }>(
        sql`select status from notification_queue where idempotency_key like ${`inquiry:${id}:%`}`,
      );
      return found.every((r) => r.status === 'sent') && found;
    });
    expect(statuses).toHaveLength(2);
  });

  it('POST /v1/inquiries without a listing goes to the earliest active admins and super admins only', async () => {
    await createTestUser({ role: 'admin' });
    await createTestUser({ role: 'super_admin' });
    await createTestUser({ role: 'admin', isActive: false });
    await createTestUser({ role: 'user' });
    const res = await api('/v1/inquiries', { json: inquiry(), ip: uniqueIp() });
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    const recipients = (
      await rows<{ recipient: string }>(sql`
        select recipient from notification_queue
        where idempotency_key like ${`inquiry:${id}:received:%`} order by recipient`)
    ).map((r) => r.recipient);
    const expected = (
      await rows<{ email: string }>(sql`
        select email from (select email from users where is_active and role in ('admin', 'super_admin')
          order by created_at, id limit 5) first_admins order by email`)
    ).map((r) => r.email);
    expect(recipients).toEqual(expected);
  });

  it('POST /v1/inquiries with the listing agent disabled falls back to the admins', async () => {
    const agent = await createTestUser({ role: 'admin', isActive: false });
    await createTestUser({ role: 'admin' });
    const listing = await createTestProperty({ createdBy: agent.id });
    const res = await api('/v1/inquiries', { json: inquiry({ propertyId: listing.id }), ip: uniqueIp() });
    const { id } = await json<{ id: string }>(res);
    const recipients = (
      await rows<{ recipient: string }>(sql`
        select recipient from notification_queue where idempotency_key like ${`inquiry:${id}:received:%`}`)
    ).map((r) => r.recipient);
    expect(recipients.length).toBeGreaterThan(0);
    expect(recipients).not.toContain(agent.email);
    const admins = await rows<{ email: string }>(sql`
      select email from users where is_active and role in ('admin', 'super_admin') and email in ${sql.raw(
        `(${recipients.map((r) => `'${r}'`).join(', ')})`,
      )}`);
    expect(admins).toHaveLength(recipients.length);
  });

  it('POST /v1/inquiries trims the name and message', async () => {
    const res = await api('/v1/inquiries', {
      json: inquiry({ name: '   Grace   ', message: `   ${MESSAGE}   ` }),
      ip: uniqueIp(),
    });
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    const [row] = await rows<{ name: string; message: string }>(
      sql`select name, message from inquiries where id = ${id}`,
    );
    expect(row).toEqual({ name: 'Grace', message: MESSAGE });
  });

  it('POST /v1/inquiries with the honeypot filled answers 201 and stores nothing', async () => {
    const body = inquiry({ website: 'http://spam.example' });
    const res = await api('/v1/inquiries', { json: body, ip: uniqueIp() });
    expect(res.status).toBe(201);
    const { id, status } = await json<{ id: string; status: string }>(res);
    expect(status).toBe('new');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await rows(sql`select 1 from inquiries where id = ${id} or email = ${body.email}`)).toHaveLength(0);
    expect(await rows(sql`select 1 from notification_queue where recipient = ${body.email}`)).toHaveLength(0);
  });

  it('POST /v1/inquiries for an unknown listing is a 404', async () => {
    const body = inquiry({ propertyId: '01900000-0000-7000-8000-000000000000' });
    await expectProblem(await api('/v1/inquiries', { json: body, ip: uniqueIp() }), 404, 'PROPERTY_NOT_FOUND');
    expect(await rows(sql`select 1 from inquiries where email = ${body.email}`)).toHaveLength(0);
  });

  it('POST /v1/inquiries for a draft listing is a 404 like an unknown one', async () => {
    const draft = await createTestProperty({ status: 'draft' });
    const res = await api('/v1/inquiries', { json: inquiry({ propertyId: draft.id }), ip: uniqueIp() });
    await expectProblem(res, 404, 'PROPERTY_NOT_FOUND');
  });

  it('POST /v1/inquiries for a sold listing is accepted', async () => {
    const sold = await createTestProperty({ status: 'sold' });
    const res = await api('/v1/inquiries', { json: inquiry({ propertyId: sold.id }), ip: uniqueIp() });
    expect(res.status).toBe(201);
  });

  it.each([
    ['a bad email', { email: 'not-an-email' }, 'email'],
    ['a phone that is not E.164', { phone: '0415 555 0123' }, 'phone'],
    ['a phone with letters', { phone: '+1 415 CALL NOW' }, 'phone'],
    ['a message of 9 characters after trimming', { message: '   123456789   ' }, 'message'],
    ['a message over 5000 characters', { message: 'x'.repeat(5001) }, 'message'],
    ['an empty name', { name: '    ' }, 'name'],
    ['a name over 100 characters', { name: 'n'.repeat(101) }, 'name'],
    ['a name with a newline', { name: 'Eve\nBcc: x@example.com' }, 'name'],
    ['a message with a NUL', { message: 'hello there\u0000 friend' }, 'message'],
    ['a propertyId that is not a UUID', { propertyId: "1' or '1'='1" }, 'propertyId'],
    ['an unknown field', { admin: true }, ''],
  ])('POST /v1/inquiries with %s is a 422', async (_label, overrides, path) => {
    const res = await api('/v1/inquiries', { json: inquiry(overrides), ip: uniqueIp() });
    const problem = await expectProblem(res, 422, 'VALIDATION_FAILED');
    if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it('POST /v1/inquiries counts the message in characters, not UTF-16 units', async () => {
    // 5000 emoji are 10000 UTF-16 units but 5000 characters: allowed, like the database's length().
    const res = await api('/v1/inquiries', { json: inquiry({ message: '🏠'.repeat(5000) }), ip: uniqueIp() });
    expect(res.status).toBe(201);
  });

  it('POST /v1/inquiries with malformed JSON is a 400', async () => {
    const res = await api('/v1/inquiries', {
      body: '{"name": ',
      headers: { 'Content-Type': 'application/json' },
      ip: uniqueIp(),
    });
    expect(res.status).toBe(400);
  });

  it('POST /v1/inquiries beyond 10 a minute from one IP is a 429 with Retry-After', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 10; i += 1) {
      const res = await api('/v1/inquiries', { json: { invalid: true }, ip });
      expect(res.status).toBe(422);
    }
    const limited = await api('/v1/inquiries', { json: inquiry(), ip });
    expect(limited.headers.get('Retry-After')).toBe('60');
    await expectProblem(limited, 429, 'RATE_LIMITED');
    // Another address is not affected.
    expect((await api('/v1/inquiries', { json: inquiry(), ip: uniqueIp() })).status).toBe(201);
  });

  it('POST /v1/inquiries stores all of it or none of it', async () => {
    const db = testOwnerDb();
    const marker = `atomic_${Date.now().toString(36)}`;
    // A fault injected into the LAST write of the batch (the notification rows) must undo the earlier ones.
    await db.execute(
      sql.raw(`create or replace function ${marker}_fail() returns trigger language plpgsql as $$
        begin if new.recipient like '${marker}%' then raise exception 'injected failure'; end if; return new; end $$`),
    );
    await db.execute(
      sql.raw(`create trigger ${marker}_trg before insert on notification_queue
        for each row execute function ${marker}_fail()`),
    );
    try {
      const email = `${marker}@example.com`;
      const res = await api('/v1/inquiries', { json: inquiry({ email }), ip: uniqueIp() });
      await expectProblem(res, 500, 'INTERNAL_ERROR');
      expect(await rows(sql`select 1 from inquiries where email = ${email}`)).toHaveLength(0);
      expect(
        await rows(sql`
          select 1 from inquiry_events e left join inquiries i on i.id = e.inquiry_id where i.id is null`),
      ).toHaveLength(0);
    } finally {
      await db.execute(sql.raw(`drop trigger ${marker}_trg on notification_queue`));
      await db.execute(sql.raw(`drop function ${marker}_fail()`));
    }
  });
});
