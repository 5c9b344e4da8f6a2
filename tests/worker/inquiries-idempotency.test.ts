import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { api, expectProblem, json } from '../helpers/api';
import { databaseKind, testDb, testOwnerDb } from '../helpers/db';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import { createTestUser, uniqueEmail } from '../helpers/users';

const key = () => `idem-${crypto.randomUUID()}`;

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const { rows } = await testDb().execute<{ n: number | string }>(query);
  return Number(rows[0]?.n ?? 0);
}

async function withAgent() {
  const agent = await createTestUser({ role: 'admin' });
  const listing = await createTestProperty({ createdBy: agent.id });
  return {
    agent,
    body: {
      propertyId: listing.id,
      name: 'Idem Potent',
      email: uniqueEmail('idem'),
      message: 'Please call me back about this listing.',
    },
  };
}

describe('POST /v1/inquiries with Idempotency-Key', () => {
  it('POST /v1/inquiries retried with the same key and body returns the first inquiry', async () => {
    const { body } = await withAgent();
    const headers = { 'Idempotency-Key': key() };
    const first = await api('/v1/inquiries', { json: body, headers, ip: uniqueIp() });
    expect(first.status).toBe(201);
    const firstBody = await json<{ id: string; status: string }>(first);

    // Key order and surrounding whitespace do not make it another request.
    const reordered = { message: `  ${body.message}`, email: body.email, name: body.name, propertyId: body.propertyId };
    const again = await api('/v1/inquiries', { json: reordered, headers, ip: uniqueIp() });
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await json(again)).toEqual(firstBody);

    expect(await count(sql`select count(*) as n from inquiries where email = ${body.email}`)).toBe(1);
    expect(await count(sql`select count(*) as n from notification_queue where recipient = ${body.email}`)).toBe(1);
    expect(
      await count(sql`select count(*) as n from analytics_events where metadata->>'inquiryId' = ${firstBody.id}`),
    ).toBe(1);
  });

  it('POST /v1/inquiries retried after an admin changed it returns its current status', async () => {
    const { body } = await withAgent();
    const admin = await createTestUser({ role: 'admin' });
    const headers = { 'Idempotency-Key': key() };
    const { id } = await json<{ id: string }>(await api('/v1/inquiries', { json: body, headers, ip: uniqueIp() }));
    const patched = await api(`/v1/admin/inquiries/${id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { status: 'contacted' },
    });
    expect(patched.status).toBe(200);
    const again = await api('/v1/inquiries', { json: body, headers, ip: uniqueIp() });
    expect(again.status).toBe(201);
    expect(await json(again)).toEqual({ id, status: 'contacted' });
  });

  it('POST /v1/inquiries with a key another client used first, for another body, creates its own inquiry', async () => {
    const { body } = await withAgent();
    const headers = { 'Idempotency-Key': 'guessable-key-1' };
    const squatter = { ...body, email: uniqueEmail('squatter'), message: 'I got here first with your key.' };
    const first = await api('/v1/inquiries', { json: squatter, headers, ip: uniqueIp() });
    expect(first.status).toBe(201);
    const res = await api('/v1/inquiries', { json: body, headers, ip: uniqueIp() });
    expect(res.status).toBe(201);
    expect(res.headers.get('Idempotent-Replayed')).toBeNull();
    const mine = await json<{ id: string }>(res);
    expect(mine.id).not.toBe((await json<{ id: string }>(first)).id);
    expect(await count(sql`select count(*) as n from inquiries where id = ${mine.id} and email = ${body.email}`)).toBe(
      1,
    );
    // And its own retry still finds it.
    const again = await api('/v1/inquiries', { json: body, headers, ip: uniqueIp() });
    expect(await json(again)).toEqual({ id: mine.id, status: 'new' });
  });

  it('POST /v1/inquiries stores no Idempotency-Key as sent: only a hash of it with the body', async () => {
    const { body } = await withAgent();
    const sent = key();
    const { id } = await json<{ id: string }>(
      await api('/v1/inquiries', { json: body, headers: { 'Idempotency-Key': sent }, ip: uniqueIp() }),
    );
    const { rows } = await testDb().execute<{ idempotency_key: string }>(
      sql`select idempotency_key from inquiries where id = ${id}`,
    );
    expect(rows[0]?.idempotency_key).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.idempotency_key).not.toContain(sent);
  });

  it('POST /v1/inquiries with a key older than 24 hours creates a new inquiry', async () => {
    const { body } = await withAgent();
    const headers = { 'Idempotency-Key': key() };
    const first = await json<{ id: string }>(await api('/v1/inquiries', { json: body, headers, ip: uniqueIp() }));
    await testOwnerDb().execute(
      sql`update inquiries set created_at = now() - interval '24 hours 1 minute' where id = ${first.id}`,
    );
    const res = await api('/v1/inquiries', { json: body, headers, ip: uniqueIp() });
    expect(res.status).toBe(201);
    expect(res.headers.get('Idempotent-Replayed')).toBeNull();
    const second = await json<{ id: string }>(res);
    expect(second.id).not.toBe(first.id);
    // The new inquiry holds the key now: a retry within its own 24 hours replays it.
    const retry = await api('/v1/inquiries', { json: body, headers, ip: uniqueIp() });
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect((await json<{ id: string }>(retry)).id).toBe(second.id);
  });

  it('POST /v1/inquiries with different keys creates different inquiries', async () => {
    const { body } = await withAgent();
    const a = await json<{ id: string }>(
      await api('/v1/inquiries', { json: body, headers: { 'Idempotency-Key': key() }, ip: uniqueIp() }),
    );
    const b = await json<{ id: string }>(
      await api('/v1/inquiries', { json: body, headers: { 'Idempotency-Key': key() }, ip: uniqueIp() }),
    );
    expect(a.id).not.toBe(b.id);
  });

  it.each([
    ['longer than 255 characters', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['with a tab', 'tab\tkey'],
  ])('POST /v1/inquiries with an Idempotency-Key %s is a 422', async (_label, value) => {
    const { body } = await withAgent();
    const res = await api('/v1/inquiries', { json: body, headers: { 'Idempotency-Key': value }, ip: uniqueIp() });
    await expectProblem(res, 422, 'VALIDATION_FAILED');
  });

  it(`POST /v1/inquiries 20 times in parallel with one key creates exactly one inquiry${
    databaseKind === 'pglite' ? ' (PGlite serialises the connections)' : ''
  }`, async () => {
    const { agent, body } = await withAgent();
    const headers = { 'Idempotency-Key': key() };
    // Distinct addresses: a client retrying from several networks, and no rate limit in the way.
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api('/v1/inquiries', { json: body, headers, ip: uniqueIp() })),
    );
    const bodies = await Promise.all(
      responses.map(async (r) => ({ status: r.status, body: await json<{ id: string; status: string }>(r) })),
    );
    for (const r of bodies) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ids = new Set(bodies.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];

    expect(await count(sql`select count(*) as n from inquiries where email = ${body.email}`)).toBe(1);
    expect(await count(sql`select count(*) as n from inquiry_events where inquiry_id = ${id}`)).toBe(1);
    expect(await count(sql`select count(*) as n from analytics_events where metadata->>'inquiryId' = ${id}`)).toBe(1);
    expect(
      await count(sql`select count(*) as n from notification_queue where recipient in (${body.email}, ${agent.email})`),
    ).toBe(2);
    expect(bodies.filter((r) => r.status === 201).length).toBe(20);
  });
});
