import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, properties } from '../../src/db/schema';
import { createListing as createListingRow, updateListing } from '../../src/services/listings/write';
import { fixture } from '../fixtures/images/fixtures.generated';
import { api, expectProblem, json } from '../helpers/api';
import { testDb, testOwnerDb } from '../helpers/db';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import {
  createTestUser,
  randomIp,
  signIn,
  signInTokens,
  strongPassword,
  TEST_PASSWORD,
  type TestUser,
  uniqueEmail,
} from '../helpers/users';

let admin: TestUser;
let superAdmin: TestUser;

beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
  superAdmin = await createTestUser({ role: 'super_admin' });
});

const tag = () => Math.random().toString(36).slice(2, 8);

const listing = () => ({
  title: `Audit loft ${tag()}`,
  propertyType: 'apartment',
  listingType: 'rent',
  price: 250_000,
  address: { line1: '5 Elm Street', city: 'Austin', country: 'US' },
});

interface Entry {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  target: { type: string; id: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  ip: string | null;
}

async function entriesOf(targetId: string): Promise<Entry[]> {
  const res = await api(`/v1/admin/audit?targetId=${targetId}`, { token: superAdmin.token });
  expect(res.status).toBe(200);
  return (await json<{ data: Entry[] }>(res)).data;
}

async function createListing(): Promise<{ id: string; requestId: string | null }> {
  const res = await api('/v1/admin/properties', { token: admin.token, json: listing(), ip: '203.0.113.77' });
  expect(res.status).toBe(201);
  return { id: (await json<{ id: string }>(res)).id, requestId: res.headers.get('X-Request-Id') };
}

describe('audit log of listing writes', () => {
  it('POST /v1/admin/properties writes one listing.create entry with actor, request id and truncated ip', async () => {
    const { id, requestId } = await createListing();
    const entries = await entriesOf(id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorId: admin.id,
      action: 'listing.create',
      target: { type: 'listing', id },
      before: null,
      requestId,
      ip: '203.0.113.0/24',
    });
    expect(entries[0]?.after).toMatchObject({ price: 250_000, city: 'Austin' });
  });

  it('PATCH /v1/admin/properties/{id} records the changed fields before and after; a stale If-Match records nothing', async () => {
    const { id } = await createListing();
    const stale = await api(`/v1/admin/properties/${id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { price: 1 },
      headers: { 'If-Match': '"v99"' },
    });
    await expectProblem(stale, 412);
    expect((await entriesOf(id)).map((e) => e.action)).toEqual(['listing.create']);

    const ok = await api(`/v1/admin/properties/${id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { price: 300_000 },
    });
    expect(ok.status).toBe(200);
    const [latest] = await entriesOf(id);
    expect(latest).toMatchObject({ action: 'listing.update', before: { price: 250_000 }, after: { price: 300_000 } });
  });

  it('POST /v1/admin/properties/{id}/status records the transition; a refused one records nothing', async () => {
    const { id } = await createListing();
    const refused = await api(`/v1/admin/properties/${id}/status`, { token: admin.token, json: { status: 'sold' } });
    await expectProblem(refused, 409);
    expect((await entriesOf(id)).map((e) => e.action)).toEqual(['listing.create']);
    const ok = await api(`/v1/admin/properties/${id}/status`, { token: admin.token, json: { status: 'active' } });
    expect(ok.status).toBe(200);
    const [latest] = await entriesOf(id);
    expect(latest).toMatchObject({
      action: 'listing.status',
      before: { status: 'draft' },
      after: { status: 'active' },
    });
  });

  it('DELETE /v1/admin/properties/{id} records what was deleted; the entry outlives the listing', async () => {
    const { id } = await createListing();
    expect((await api(`/v1/admin/properties/${id}`, { method: 'DELETE', token: admin.token })).status).toBe(204);
    const [latest] = await entriesOf(id);
    expect(latest).toMatchObject({ action: 'listing.delete', actorId: admin.id });
    expect(latest?.before).toMatchObject({ status: 'draft' });
    // Deleting it again changes nothing and records nothing.
    await expectProblem(await api(`/v1/admin/properties/${id}`, { method: 'DELETE', token: admin.token }), 404);
    expect(await entriesOf(id)).toHaveLength(2);
  });

  it('updateListing changes nothing when its audit entry cannot be written', async () => {
    const { id } = await createListing();
    const db = testDb();
    const audit = { actorId: admin.id, requestId: 'x'.repeat(500), ip: null };
    await expect(updateListing(db, id, { price: 1 }, null, audit)).rejects.toThrow();
    const [row] = await db.select({ price: properties.price }).from(properties).where(eq(properties.id, id));
    expect(row?.price).toBe(250_000);
    expect(await entriesOf(id)).toHaveLength(1);
  });
});

describe('audit log of photo writes', () => {
  const upload = async (propertyId: string) => {
    const res = await api(`/v1/admin/properties/${propertyId}/images?altText=front`, {
      method: 'POST',
      token: admin.token,
      body: fixture('png-7x5.png'),
    });
    expect(res.status).toBe(201);
    return (await json<{ id: string }>(res)).id;
  };

  it('POST, PUT order, PATCH and DELETE of photos each write one entry', async () => {
    const { id: propertyId } = await createListing();
    const first = await upload(propertyId);
    const second = await upload(propertyId);
    const [uploaded] = await entriesOf(second);
    expect(uploaded).toMatchObject({ action: 'photo.upload', actorId: admin.id });
    expect(uploaded?.after).toMatchObject({ propertyId, altText: 'front', sortOrder: 1, isCover: false });

    const order = await api(`/v1/admin/properties/${propertyId}/images/order`, {
      method: 'PUT',
      token: admin.token,
      json: { imageIds: [second, first] },
    });
    expect(order.status).toBe(200);
    const [reordered] = await entriesOf(propertyId);
    expect(reordered).toMatchObject({
      action: 'photo.reorder',
      before: { imageIds: [first, second] },
      after: { imageIds: [second, first] },
    });

    const patch = await api(`/v1/admin/images/${second}`, {
      method: 'PATCH',
      token: admin.token,
      json: { altText: 'back', isCover: true },
    });
    expect(patch.status).toBe(200);
    const [patched] = await entriesOf(second);
    expect(patched).toMatchObject({
      action: 'photo.update',
      before: { altText: 'front', isCover: false, propertyId },
      after: { altText: 'back', isCover: true },
    });

    expect((await api(`/v1/admin/images/${second}`, { method: 'DELETE', token: admin.token })).status).toBe(204);
    const [deleted] = await entriesOf(second);
    expect(deleted).toMatchObject({ action: 'photo.delete', before: { altText: 'back', propertyId } });
    await expectProblem(await api(`/v1/admin/images/${second}`, { method: 'DELETE', token: admin.token }), 404);
    expect((await entriesOf(second)).map((e) => e.action)).toEqual(['photo.delete', 'photo.update', 'photo.upload']);
  });
});

describe('audit log of inquiry, user and session writes', () => {
  it('PATCH /v1/admin/inquiries/{id} records status, assignee and note; a refused transition records nothing', async () => {
    const listing = await createTestProperty({ createdBy: admin.id, title: 'Audited inquiry listing' });
    const created = await api('/v1/inquiries', {
      json: { propertyId: listing.id, name: 'Pat', email: uniqueEmail('audit'), message: 'Still available?' },
      ip: uniqueIp(),
    });
    const { id } = await json<{ id: string }>(created);
    const res = await api(`/v1/admin/inquiries/${id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { status: 'contacted', assignedTo: admin.id, note: 'called back' },
    });
    expect(res.status).toBe(200);
    const refused = await api(`/v1/admin/inquiries/${id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { status: 'new' },
    });
    await expectProblem(refused, 409);
    const entries = await entriesOf(id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'inquiry.update',
      target: { type: 'inquiry', id },
      before: { status: 'new', assignedTo: null },
      after: { status: 'contacted', assignedTo: admin.id, note: 'called back' },
    });
  });

  it('POST and PATCH /v1/admin/users, unlock and DELETE sessions each write one entry, never with the password', async () => {
    const email = uniqueEmail('audited');
    const created = await api('/v1/admin/users', {
      token: superAdmin.token,
      json: { email, name: 'Audited', password: strongPassword(), role: 'user' },
    });
    expect(created.status).toBe(201);
    const { id } = await json<{ id: string }>(created);
    const promoted = await api(`/v1/admin/users/${id}`, {
      method: 'PATCH',
      token: superAdmin.token,
      json: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    const renamed = await api(`/v1/admin/users/${id}`, {
      method: 'PATCH',
      token: superAdmin.token,
      json: { name: 'Renamed' },
    });
    expect(renamed.status).toBe(200);
    expect((await api(`/v1/admin/users/${id}/unlock`, { method: 'POST', token: superAdmin.token })).status).toBe(204);
    // It has no session: ending them changes nothing and records nothing.
    const none = await api(`/v1/admin/users/${id}/sessions`, { method: 'DELETE', token: superAdmin.token });
    expect(none.status).toBeLessThan(300);

    const entries = await entriesOf(id);
    expect(entries.map((e) => e.action)).toEqual(['user.unlock', 'user.update', 'user.role_change', 'user.create']);
    expect(entries.every((e) => e.actorId === superAdmin.id)).toBe(true);
    expect(entries[1]).toMatchObject({ before: { name: 'Audited' }, after: { name: 'Renamed' } });
    expect(entries[2]).toMatchObject({ before: { role: 'user' }, after: { role: 'admin' } });
    expect(entries[3]?.after).toMatchObject({ email, role: 'user' });

    const target = await createTestUser();
    const ended = await api(`/v1/admin/users/${target.id}/sessions`, { method: 'DELETE', token: superAdmin.token });
    expect(ended.status).toBeLessThan(300);
    const [endedEntry] = await entriesOf(target.id);
    expect(endedEntry).toMatchObject({
      action: 'user.sessions_end',
      actorId: superAdmin.id,
      after: { reason: 'ended_by_admin', count: 1, sessionIds: [target.sessionId] },
    });
    expect(JSON.stringify(entries)).not.toMatch(/password_hash|passwordHash|\$2[aby]\$/);
  });

  it('DELETE /v1/me/sessions/{id} writes a session.end entry; an unknown session writes none', async () => {
    const user = await createTestUser();
    const res = await api(`/v1/me/sessions/${user.sessionId}`, { method: 'DELETE', token: user.token });
    expect(res.status).toBe(204);
    const unknown = await api(`/v1/me/sessions/${uuidv7()}`, { method: 'DELETE', token: admin.token });
    await expectProblem(unknown, 404);
    const [entry] = await entriesOf(user.id);
    expect(entry).toMatchObject({
      action: 'session.end',
      actorId: user.id,
      after: { reason: 'ended_by_user', count: 1 },
    });
    expect(await entriesOf(admin.id)).not.toContainEqual(expect.objectContaining({ action: 'session.end' }));
  });
});

describe('audit log of security events', () => {
  it('POST /v1/auth/login writes one auth.lockout entry when a client gets locked, none before', async () => {
    const user = await createTestUser();
    const ip = randomIp();
    for (let i = 0; i < 4; i++) await expectProblem(await signIn(user.email, 'wrong password here', { ip }), 401);
    expect(await entriesOf(user.id)).toEqual([]);
    await expectProblem(await signIn(user.email, 'wrong password here', { ip }), 401);
    await expectProblem(await signIn(user.email, 'wrong password here', { ip }), 401);
    const entries = await entriesOf(user.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'auth.lockout', actorId: null, after: { scope: 'client' } });
    expect(entries[0]?.requestId).toBeTruthy();
  });

  it('POST /v1/auth/refresh with a reused token writes an auth.refresh_reuse entry', async () => {
    const user = await createTestUser();
    const tokens = await signInTokens(user.email);
    const rotate = (token: string, headers?: Record<string, string>) =>
      api('/v1/auth/refresh', { method: 'POST', ip: randomIp(), json: { refreshToken: token }, headers });
    expect((await rotate(tokens.refreshToken)).status).toBe(200);
    expect(await entriesOf(user.id)).toEqual([]);
    await expectProblem(await rotate(tokens.refreshToken, { 'X-Test-Clock-Offset-Ms': '11000' }), 401);
    const [entry] = await entriesOf(user.id);
    expect(entry).toMatchObject({ action: 'auth.refresh_reuse', actorId: null, after: { sessionEnded: true } });
  });

  it('POST /v1/me/password writes an auth.password_change entry without any hash; a wrong current password none', async () => {
    const user = await createTestUser();
    const tokens = await signInTokens(user.email);
    const change = (currentPassword: string) =>
      api('/v1/me/password', {
        method: 'POST',
        token: tokens.accessToken,
        ip: randomIp(),
        json: { currentPassword, newPassword: strongPassword() },
      });
    await expectProblem(await change('not the password at all'), 422, 'INVALID_CURRENT_PASSWORD');
    expect(await entriesOf(user.id)).toEqual([]);
    expect((await change(TEST_PASSWORD)).status).toBe(204);
    const entries = await entriesOf(user.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'auth.password_change', actorId: user.id, after: { sessionsEnded: 1 } });
    expect(JSON.stringify(entries)).not.toMatch(/\$2[aby]\$/);
  });
});

describe('audit log of jobs run by hand', () => {
  it('POST /v1/admin/system/jobs/{name} writes a job.run entry naming the run; an unknown job none', async () => {
    const res = await api('/v1/admin/system/jobs/vacuum', { method: 'POST', token: superAdmin.token });
    expect(res.status).toBe(200);
    const { runId } = await json<{ runId: string }>(res);
    await expectProblem(
      await api('/v1/admin/system/jobs/no-such-job', { method: 'POST', token: superAdmin.token }),
      404,
    );
    expect(await entriesOf('no-such-job')).toEqual([]);
    const [entry] = await entriesOf('vacuum');
    expect(entry).toMatchObject({
      action: 'job.run',
      actorId: superAdmin.id,
      target: { type: 'job', id: 'vacuum' },
      after: { runId, trigger: 'manual' },
    });
  });
});

describe('no change without its entry', () => {
  it('createListing inserts no listing when its audit entry cannot be written', async () => {
    const db = testDb();
    const input = listing();
    const audit = { actorId: admin.id, requestId: 'x'.repeat(500), ip: null };
    await expect(
      createListingRow(db, input as Parameters<typeof createListingRow>[1], admin.id, audit),
    ).rejects.toThrow();
    const rows = await db.select({ id: properties.id }).from(properties).where(eq(properties.title, input.title));
    expect(rows).toEqual([]);
  });
});

describe('GET /v1/admin/audit', () => {
  it('GET /v1/admin/audit is for super admins only', async () => {
    await expectProblem(await api('/v1/admin/audit', { token: admin.token }), 403);
    await expectProblem(await api('/v1/admin/audit'), 401);
  });

  it('GET /v1/admin/audit filters by actor, action and time, and pages with a cursor', async () => {
    const actor = await createTestUser({ role: 'admin' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api('/v1/admin/properties', { token: actor.token, json: listing() });
      ids.push((await json<{ id: string }>(res)).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `actorId=${actor.id}&action=listing.create&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api(`/v1/admin/audit?${query}`, { token: superAdmin.token });
      expect(res.status).toBe(200);
      const page = await json<{ data: Entry[]; nextCursor: string | null }>(res);
      seen.push(...page.data.map((e) => e.target.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const future = await api(`/v1/admin/audit?actorId=${actor.id}&from=2999-01-01`, { token: superAdmin.token });
    expect((await json<{ data: Entry[] }>(future)).data).toEqual([]);
    const other = await api(`/v1/admin/audit?actorId=${actor.id}&action=listing.delete`, { token: superAdmin.token });
    expect((await json<{ data: Entry[] }>(other)).data).toEqual([]);
  });

  it('GET /v1/admin/audit refuses an unknown action and a cursor of another filter set with 422', async () => {
    await expectProblem(await api('/v1/admin/audit?action=listing.burn', { token: superAdmin.token }), 422);
    const page = await api('/v1/admin/audit?limit=1', { token: superAdmin.token });
    const { nextCursor } = await json<{ nextCursor: string | null }>(page);
    if (nextCursor) {
      const res = await api(`/v1/admin/audit?limit=1&action=listing.create&cursor=${nextCursor}`, {
        token: superAdmin.token,
      });
      await expectProblem(res, 422, 'INVALID_CURSOR');
    }
  });
});

/** The database's own message for a refused statement (Drizzle wraps it as the cause). */
async function refusal(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ?? String(error);
  }
  throw new Error('the statement was not refused');
}

describe('audit_log is append-only', () => {
  const oldEntry = async () => {
    const id = uuidv7();
    await testDb().execute(sql`
      insert into audit_log (id, at, action, target_type, target_id)
      values (${id}, now() - interval '500 days', 'user.unlock', 'user', ${uuidv7()})`);
    return id;
  };

  it('refuses UPDATE and DELETE to the app role', async () => {
    const id = await oldEntry();
    const db = testDb();
    const refused = /permission denied|append-only/;
    expect(await refusal(db.execute(sql`update audit_log set action = 'user.update' where id = ${id}`))).toMatch(
      refused,
    );
    expect(await refusal(db.execute(sql`delete from audit_log where id = ${id}`))).toMatch(refused);
    const rows = await db.select().from(auditLog).where(eq(auditLog.id, id));
    expect(rows).toHaveLength(1);
  });

  it('refuses UPDATE and DELETE to the owner too (the trigger)', async () => {
    const id = await oldEntry();
    const db = testOwnerDb();
    expect(await refusal(db.execute(sql`update audit_log set action = 'user.update' where id = ${id}`))).toMatch(
      /append-only/,
    );
    expect(await refusal(db.execute(sql`delete from audit_log where id = ${id}`))).toMatch(/append-only/);
    // Announcing a cutoff does not let a newer row go.
    const recent = await testDb().execute(sql`select id from audit_log where at > now() - interval '1 day' limit 1`);
    const recentId = recent.rows[0]?.id;
    if (recentId) {
      const deleting = db.batch([
        db.execute(sql`select set_config('audit_log.purge_before', (now() - interval '400 days')::text, true)`),
        db.execute(sql`delete from audit_log where id = ${recentId as string}`),
      ]);
      expect(await refusal(deleting)).toMatch(/append-only/);
    }
  });

  it('purge_audit_log deletes only entries older than its cutoff, and keeps at least 30 days', async () => {
    const id = await oldEntry();
    const db = testDb();
    expect(await refusal(db.execute(sql`select purge_audit_log(10, 100)`))).toMatch(/at least 30 days/);
    const before = await db.execute<{ n: number }>(sql`select count(*)::int as n from audit_log`);
    await db.execute(sql`select purge_audit_log(400, 50000)`);
    expect(await db.select().from(auditLog).where(eq(auditLog.id, id))).toHaveLength(0);
    const after = await db.execute<{ n: number }>(sql`select count(*)::int as n from audit_log`);
    expect(Number(after.rows[0]?.n)).toBeGreaterThan(0);
    expect(Number(after.rows[0]?.n)).toBeLessThan(Number(before.rows[0]?.n));
  });
});
