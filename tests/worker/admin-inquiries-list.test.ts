import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { inquiries } from '../../src/db/schema';
import { api, expectProblem, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, type TestUser } from '../helpers/users';

interface Page {
  data: Array<{ id: string; status: string; createdAt: string; assignedTo: string | null; property: unknown }>;
  nextCursor: string | null;
}

let admin: TestUser;
let assignee: TestUser;
let listingId: string;
const ids: string[] = [];

/** Seven inquiries on one listing of this file, at fixed times (some sharing one instant). */
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
  assignee = await createTestUser({ role: 'admin' });
  listingId = (await createTestProperty({ title: 'List test listing' })).id;
  const base = Date.parse('2031-05-10T12:00:00.000Z');
  const statuses = ['new', 'contacted', 'new', 'closed', 'new', 'qualified', 'new'] as const;
  const values = statuses.map((status, i) => {
    const id = uuidv7();
    ids.push(id);
    return {
      id,
      propertyId: listingId,
      name: `Lister ${i}`,
      email: `lister-${i}-${id}@example.com`,
      message: 'A message long enough.',
      status,
      assignedTo: i % 2 === 0 ? assignee.id : null,
      // Pairs share a timestamp so that the id breaks the tie in the keyset.
      createdAt: new Date(base + Math.floor(i / 2) * 60_000),
    };
  });
  await testDb().insert(inquiries).values(values);
});

async function page(query: string, token = admin.token): Promise<Page> {
  const res = await api(`/v1/admin/inquiries?propertyId=${listingId}&${query}`, { token });
  expect(res.status, await res.clone().text()).toBe(200);
  return json<Page>(res);
}

describe('GET /v1/admin/inquiries', () => {
  it('GET /v1/admin/inquiries lists newest first and walks every page once with the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: Page = await page(`limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...p.data.map((d) => d.id));
      cursor = p.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    // Newest first; equal timestamps ordered by id descending.
    const expected = [...ids]
      .map((id, i) => ({ id, t: Math.floor(i / 2) }))
      .sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : -1));
    expect(seen).toEqual(expected.map((e) => e.id));
  });

  it('GET /v1/admin/inquiries filters by status', async () => {
    const p = await page('status=new');
    expect(p.data).toHaveLength(4);
    expect(p.data.every((d) => d.status === 'new')).toBe(true);
  });

  it('GET /v1/admin/inquiries filters by assignee', async () => {
    const p = await page(`assignedTo=${assignee.id}`);
    expect(p.data.map((d) => d.id).sort()).toEqual([ids[0], ids[2], ids[4], ids[6]].sort());
  });

  it('GET /v1/admin/inquiries filters by a from/to window on creation time', async () => {
    const p = await page('from=2031-05-10T12:01:00Z&to=2031-05-10T12:03:00Z');
    expect(p.data.map((d) => d.id).sort()).toEqual(ids.slice(2, 6).sort());
    const byDate = await page('from=2031-05-10&to=2031-05-11');
    expect(byDate.data).toHaveLength(7);
  });

  it('GET /v1/admin/inquiries includes the listing and the dates in ISO 8601 UTC', async () => {
    const p = await page('limit=1');
    expect(p.data[0]?.property).toMatchObject({ id: listingId, title: 'List test listing' });
    expect(p.data[0]?.createdAt).toBe('2031-05-10T12:03:00.000Z');
  });

  it('GET /v1/admin/inquiries with a forged cursor is a 422', async () => {
    const first = await page('limit=2');
    const cursor = first.nextCursor as string;
    const [body, mac] = cursor.split('.') as [string, string];
    const forgedBody = btoa(JSON.stringify({ t: '2099-01-01 00:00:00+00', i: ids[0] }))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '');
    for (const forged of [`${forgedBody}.${mac}`, `${body}.${mac.slice(0, -2)}AA`, 'garbage', `${body}`]) {
      const res = await api(`/v1/admin/inquiries?propertyId=${listingId}&cursor=${encodeURIComponent(forged)}`, {
        token: admin.token,
      });
      await expectProblem(res, 422, 'INVALID_CURSOR');
    }
  });

  it('GET /v1/admin/inquiries signs its cursors with CURSOR_SECRET when it is set', async () => {
    const app = createApp();
    const path = `/v1/admin/inquiries?propertyId=${listingId}&limit=2`;
    const vars = { CURSOR_SECRET: 'a-cursor-secret-that-is-not-the-jwt-secret-0123' };
    const own = await callApp(app, path, { token: admin.token, vars });
    const ownCursor = (await json<Page>(own.response)).nextCursor as string;
    const next = await callApp(app, `${path}&cursor=${encodeURIComponent(ownCursor)}`, { token: admin.token, vars });
    expect(next.response.status).toBe(200);
    // A cursor signed with JWT_SECRET (the fallback) is foreign once CURSOR_SECRET is set.
    const fallbackCursor = (await page('limit=2')).nextCursor as string;
    const foreign = await callApp(app, `${path}&cursor=${encodeURIComponent(fallbackCursor)}`, {
      token: admin.token,
      vars,
    });
    await expectProblem(foreign.response, 422, 'INVALID_CURSOR');
  });

  it('GET /v1/admin/inquiries refuses a cursor taken with other filters', async () => {
    const first = await page('limit=2');
    const res = await api(
      `/v1/admin/inquiries?propertyId=${listingId}&status=new&cursor=${encodeURIComponent(first.nextCursor as string)}`,
      { token: admin.token },
    );
    await expectProblem(res, 422, 'INVALID_CURSOR');
  });

  it.each([['limit=0'], ['limit=101'], ['status=archived'], ['assignedTo=me'], ['from=yesterday']])(
    'GET /v1/admin/inquiries with %s is a 422',
    async (query) => {
      await expectProblem(await api(`/v1/admin/inquiries?${query}`, { token: admin.token }), 422, 'VALIDATION_FAILED');
    },
  );

  it('GET /v1/admin/inquiries without a token is a 401', async () => {
    await expectProblem(await api('/v1/admin/inquiries'), 401);
  });

  it('GET /v1/admin/inquiries as a plain user is a 403', async () => {
    const user = await createTestUser({ role: 'user' });
    await expectProblem(await api('/v1/admin/inquiries', { token: user.token }), 403, 'FORBIDDEN');
  });

  it('GET /v1/admin/inquiries for an admin who must change the password is a 403', async () => {
    const fresh = await createTestUser({ role: 'admin', mustChangePassword: true });
    await expectProblem(await api('/v1/admin/inquiries', { token: fresh.token }), 403, 'PASSWORD_CHANGE_REQUIRED');
  });

  it('GET /v1/admin/inquiries/:id returns the inquiry with its history', async () => {
    const id = ids[1] as string;
    await testDb().execute(sql`
      insert into inquiry_events (id, inquiry_id, type, to_status, actor_id)
      values (${uuidv7()}, ${id}, 'created', 'new', null)`);
    const res = await api(`/v1/admin/inquiries/${id}`, { token: admin.token });
    expect(res.status).toBe(200);
    const body = await json<{ id: string; history: Array<{ type: string }> }>(res);
    expect(body.id).toBe(id);
    expect(body.history.map((h) => h.type)).toEqual(['created']);
  });

  it('GET /v1/admin/inquiries/:id for an unknown or malformed id is a 404', async () => {
    await expectProblem(await api(`/v1/admin/inquiries/${uuidv7()}`, { token: admin.token }), 404, 'INQUIRY_NOT_FOUND');
    await expectProblem(await api('/v1/admin/inquiries/not-a-uuid', { token: admin.token }), 404, 'INQUIRY_NOT_FOUND');
  });
});
