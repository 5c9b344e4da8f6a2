import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { inquiries, sessions } from '../../src/db/schema';
import { signAccessToken } from '../../src/services/auth/access-token';
import { api, expectProblem, json } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, randomIp, type TestUser } from '../helpers/users';

interface MyInquiry {
  id: string;
  propertyId: string | null;
  status: string;
  message: string;
  createdAt: string;
}
interface Page {
  data: MyInquiry[];
  nextCursor: string | null;
}

const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

let admin: TestUser;
let listingId: string;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
  listingId = (await createTestProperty()).id;
});

function send(body: Record<string, unknown>, options: { token?: string; key?: string } = {}) {
  return api('/v1/inquiries', {
    json: { name: 'Visitor', email: `visitor-${tag()}@example.com`, ...body },
    ip: randomIp(),
    ...(options.token ? { token: options.token } : {}),
    ...(options.key ? { headers: { 'Idempotency-Key': options.key } } : {}),
  });
}

async function sent(body: Record<string, unknown>, options: { token?: string; key?: string } = {}) {
  const res = await send(body, options);
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}

const mine = async (user: TestUser, query = '') => {
  const res = await api(`/v1/me/inquiries${query}`, { token: user.token });
  expect(res.status).toBe(200);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  return json<Page>(res);
};

const withMessage = (message: string) =>
  testDb().select({ id: inquiries.id, userId: inquiries.userId }).from(inquiries).where(eq(inquiries.message, message));

describe('POST /v1/inquiries with a user token', () => {
  it('POST /v1/inquiries with a user’s token files it under that user; GET /v1/me/inquiries lists it', async () => {
    const user = await createTestUser();
    const message = `Is the garden south facing? ${tag()}`;
    const id = await sent({ propertyId: listingId, message }, { token: user.token });
    expect(await withMessage(message)).toEqual([{ id, userId: user.id }]);

    const page = await mine(user);
    expect(page.nextCursor).toBeNull();
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ id, propertyId: listingId, status: 'new', message });
    expect(Number.isNaN(Date.parse(page.data[0]?.createdAt ?? ''))).toBe(false);
  });

  it('POST /v1/inquiries without a token stays anonymous, even from the email of an account', async () => {
    const user = await createTestUser();
    const message = `Anonymous question here ${tag()}`;
    const id = await sent({ propertyId: listingId, email: user.email, message });
    expect(await withMessage(message)).toEqual([{ id, userId: null }]);
    expect((await mine(user)).data).toEqual([]);
  });

  it('POST /v1/inquiries with a bad, expired or ended token is a 401 and files nothing', async () => {
    const user = await createTestUser();
    const expired = await signAccessToken(
      testConfig(),
      { userId: user.id, sessionId: user.sessionId, role: 'user' },
      Math.floor(Date.now() / 1000) - 3600,
    );
    const ended = await createTestUser();
    await testDb().update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, ended.sessionId));
    const message = `This should never be stored ${tag()}`;
    await expectProblem(await send({ message }, { token: 'not.a.token' }), 401, 'INVALID_TOKEN');
    await expectProblem(await send({ message }, { token: expired }), 401, 'INVALID_TOKEN');
    await expectProblem(await send({ message }, { token: ended.token }), 401, 'SESSION_ENDED');
    const garbled = await api('/v1/inquiries', {
      json: { name: 'Visitor', email: 'visitor@example.com', message },
      ip: randomIp(),
      headers: { Authorization: 'Basic dXNlcjpwYXNz' },
    });
    await expectProblem(garbled, 401, 'UNAUTHORIZED');
    expect(await withMessage(message)).toEqual([]);
  });

  it('POST /v1/inquiries with the token of a user who must change the password is a 403 and files nothing', async () => {
    const user = await createTestUser({ mustChangePassword: true });
    const message = `Before the password change ${tag()}`;
    await expectProblem(await send({ message }, { token: user.token }), 403, 'PASSWORD_CHANGE_REQUIRED');
    expect(await withMessage(message)).toEqual([]);
  });

  it('POST /v1/inquiries replays an Idempotency-Key for its own sender only', async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const key = `key-${tag()}`;
    const body = { propertyId: listingId, email: `shared-${tag()}@example.com`, message: `Same words ${tag()}` };

    const first = await sent(body, { token: alice.token, key });
    const replay = await send(body, { token: alice.token, key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect((await json<{ id: string }>(replay)).id).toBe(first);

    const bobs = await sent(body, { token: bob.token, key });
    const anonymous = await sent(body, { key });
    expect(new Set([first, bobs, anonymous]).size).toBe(3);

    expect((await mine(alice)).data.map((i) => i.id)).toEqual([first]);
    expect((await mine(bob)).data.map((i) => i.id)).toEqual([bobs]);
    expect(await withMessage(body.message)).toHaveLength(3);
  });

  it('POST /v1/inquiries sent 5 times at once with one key and token stores one inquiry', async () => {
    const user = await createTestUser();
    const key = `race-${tag()}`;
    const body = { email: `race-${tag()}@example.com`, message: `A racing inquiry ${tag()}` };
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(body, { token: user.token, key })));
    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(201));
    const ids = new Set(await Promise.all(answers.map(async (r) => (await json<{ id: string }>(r)).id)));
    expect(ids.size).toBe(1);
    expect((await mine(user)).data.map((i) => i.id)).toEqual([...ids]);
  });
});

describe('GET /v1/me/inquiries', () => {
  it('GET /v1/me/inquiries shows the current status after staff change it', async () => {
    const user = await createTestUser();
    const id = await sent({ propertyId: listingId, message: `Please call me back ${tag()}` }, { token: user.token });
    const patched = await api(`/v1/admin/inquiries/${id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { status: 'contacted' },
    });
    expect(patched.status).toBe(200);
    expect((await mine(user)).data.map((i) => [i.id, i.status])).toEqual([[id, 'contacted']]);
  });

  it('GET /v1/me/inquiries never shows another user’s inquiries', async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const hers = await sent({ message: `Alice asks something ${tag()}` }, { token: alice.token });
    const his = await sent({ message: `Bob asks something ${tag()}` }, { token: bob.token });
    expect((await mine(alice)).data.map((i) => i.id)).toEqual([hers]);
    expect((await mine(bob)).data.map((i) => i.id)).toEqual([his]);
  });

  it('GET /v1/me/inquiries keeps an inquiry whose listing was deleted, with propertyId null', async () => {
    const user = await createTestUser();
    const listing = await createTestProperty();
    const id = await sent(
      { propertyId: listing.id, message: `About a listing soon gone ${tag()}` },
      { token: user.token },
    );
    expect((await api(`/v1/admin/properties/${listing.id}`, { method: 'DELETE', token: admin.token })).status).toBe(
      204,
    );
    expect((await mine(user)).data.map((i) => [i.id, i.propertyId])).toEqual([[id, null]]);
  });

  it('GET /v1/me/inquiries pages newest first with no duplicates, and refuses a forged or foreign cursor', async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await sent({ message: `Paged inquiry number ${i} ${tag()}` }, { token: user.token }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await mine(user, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.data.map((i) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const first = await mine(user, '?limit=2');
    const stolen = await api(`/v1/me/inquiries?cursor=${encodeURIComponent(first.nextCursor as string)}`, {
      token: other.token,
    });
    await expectProblem(stolen, 422, 'INVALID_CURSOR');
    await expectProblem(await api('/v1/me/inquiries?cursor=abc.def', { token: user.token }), 422, 'INVALID_CURSOR');
    await expectProblem(await api('/v1/me/inquiries?limit=101', { token: user.token }), 422, 'VALIDATION_FAILED');
    await expectProblem(await api('/v1/me/inquiries'), 401, 'UNAUTHORIZED');
  });
});
