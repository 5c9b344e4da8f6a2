import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { favorites, properties } from '../../src/db/schema';
import { MAX_FAVORITES_PER_USER } from '../../src/services/favorites/favorites';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, type TestUser } from '../helpers/users';

interface Favorite {
  id: string;
  title: string;
  status: string;
  price: number;
  previousPrice: number | null;
  coverImage: unknown;
  favoritedAt: string;
}
interface Page {
  data: Favorite[];
  nextCursor: string | null;
}

const put = (user: TestUser, propertyId: string) =>
  api(`/v1/me/favorites/${propertyId}`, { method: 'PUT', token: user.token });
const remove = (user: TestUser, propertyId: string) =>
  api(`/v1/me/favorites/${propertyId}`, { method: 'DELETE', token: user.token });
const list = async (user: TestUser, query = '') => {
  const res = await api(`/v1/me/favorites${query}`, { token: user.token });
  expect(res.status).toBe(200);
  return json<Page>(res);
};
const stored = (user: TestUser) =>
  testDb()
    .select({ propertyId: favorites.propertyId, createdAt: favorites.createdAt })
    .from(favorites)
    .where(eq(favorites.userId, user.id));

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

describe('PUT /v1/me/favorites/:propertyId', () => {
  it('PUT /v1/me/favorites/:propertyId favourites a listing: 204, then GET lists its summary with favoritedAt', async () => {
    const user = await createTestUser();
    const listing = await createTestProperty({ title: 'A favourite home', price: 42_000_000 });
    const res = await put(user, listing.id);
    expect(res.status).toBe(204);
    expect(res.headers.get('Cache-Control')).toBe('no-store');

    const page = await list(user);
    expect(page.nextCursor).toBeNull();
    expect(page.data).toHaveLength(1);
    const [favorite] = page.data;
    expect(favorite).toMatchObject({
      id: listing.id,
      title: 'A favourite home',
      status: 'active',
      price: 42_000_000,
      previousPrice: null,
      coverImage: null,
    });
    const [row] = await stored(user);
    expect(favorite?.favoritedAt).toBe(row?.createdAt.toISOString());
  });

  it('PUT /v1/me/favorites/:propertyId is idempotent and keeps the first favoritedAt', async () => {
    const user = await createTestUser();
    const listing = await createTestProperty();
    expect((await put(user, listing.id)).status).toBe(204);
    const [first] = await stored(user);
    expect((await put(user, listing.id)).status).toBe(204);
    expect(await stored(user)).toEqual([first]);
  });

  it('PUT /v1/me/favorites/:propertyId sent 10 times at once stores one favourite', async () => {
    const user = await createTestUser();
    const listing = await createTestProperty();
    const answers = await Promise.all(Array.from({ length: 10 }, () => put(user, listing.id)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(204));
    expect(await stored(user)).toHaveLength(1);
  });

  it('PUT /v1/me/favorites/:propertyId is a 404 for an unknown listing or a draft, and stores nothing', async () => {
    const user = await createTestUser();
    const draft = await createTestProperty({ status: 'draft' });
    await expectProblem(await put(user, uuidv7()), 404, 'PROPERTY_NOT_FOUND');
    await expectProblem(await put(user, draft.id), 404, 'PROPERTY_NOT_FOUND');
    await expectProblem(await put(user, 'not-a-uuid'), 422, 'VALIDATION_FAILED');
    expect(await stored(user)).toEqual([]);
  });

  for (const status of ['pending', 'sold', 'rented', 'off_market'] as const) {
    it(`PUT /v1/me/favorites/:propertyId takes a ${status} listing (the public detail shows it)`, async () => {
      const user = await createTestUser();
      const listing = await createTestProperty({ status });
      expect((await api(`/v1/properties/${listing.id}`)).status).toBe(200);
      expect((await put(user, listing.id)).status).toBe(204);
      expect((await list(user)).data.map((f) => [f.id, f.status])).toEqual([[listing.id, status]]);
    });
  }

  it(`PUT /v1/me/favorites/:propertyId refuses a favourite beyond ${MAX_FAVORITES_PER_USER} with 409, even when sent at once`, async () => {
    const user = await createTestUser();
    const db = testDb();
    const ids = Array.from({ length: MAX_FAVORITES_PER_USER + 1 }, () => uuidv7());
    await db.insert(properties).values(
      ids.map((id, i) => ({
        id,
        slug: `fav-cap-${id.slice(-12)}-${i}`,
        title: `Capped favourite ${i}`,
        propertyType: 'house' as const,
        listingType: 'sale' as const,
        status: 'active' as const,
        price: 1_000_000 + i,
        addressLine1: '1 Cap Road',
        city: 'Captown',
        country: 'US',
      })),
    );
    // All but two already kept; the last two race for the one place left.
    const kept = ids.slice(0, MAX_FAVORITES_PER_USER - 1);
    await db.insert(favorites).values(kept.map((propertyId) => ({ userId: user.id, propertyId })));
    const racing = ids.slice(MAX_FAVORITES_PER_USER - 1) as [string, string];
    const answers = await Promise.all(racing.map((id) => put(user, id)));
    expect(answers.map((r) => r.status).sort()).toEqual([204, 409]);
    const refused = answers.find((r) => r.status === 409);
    if (refused) await expectProblem(refused, 409, 'FAVORITES_LIMIT_REACHED');
    expect(await stored(user)).toHaveLength(MAX_FAVORITES_PER_USER);
    // At the limit, favouriting one already kept is still fine.
    expect((await put(user, kept[0] as string)).status).toBe(204);
    await db.delete(properties).where(sql`${properties.id} in ${ids}`);
    expect(await stored(user)).toEqual([]);
  });
});

describe('DELETE /v1/me/favorites/:propertyId', () => {
  it('DELETE /v1/me/favorites/:propertyId removes it and is a 204 again, and for unknown or never-favourited ids', async () => {
    const user = await createTestUser();
    const listing = await createTestProperty();
    const other = await createTestProperty();
    expect((await put(user, listing.id)).status).toBe(204);
    expect((await remove(user, listing.id)).status).toBe(204);
    expect(await stored(user)).toEqual([]);
    expect((await remove(user, listing.id)).status).toBe(204);
    expect((await remove(user, other.id)).status).toBe(204);
    expect((await remove(user, uuidv7())).status).toBe(204);
    await expectProblem(await remove(user, 'nope'), 422, 'VALIDATION_FAILED');
  });

  it('DELETE /v1/me/favorites/:propertyId of another user’s favourite leaves theirs alone', async () => {
    const owner = await createTestUser();
    const stranger = await createTestUser();
    const listing = await createTestProperty();
    expect((await put(owner, listing.id)).status).toBe(204);
    expect((await remove(stranger, listing.id)).status).toBe(204);
    expect((await stored(owner)).map((f) => f.propertyId)).toEqual([listing.id]);
  });
});

describe('GET /v1/me/favorites', () => {
  it('GET /v1/me/favorites shows the caller’s favourites only', async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const hers = await createTestProperty();
    const his = await createTestProperty();
    expect((await put(alice, hers.id)).status).toBe(204);
    expect((await put(bob, his.id)).status).toBe(204);
    expect((await list(alice)).data.map((f) => f.id)).toEqual([hers.id]);
    expect((await list(bob)).data.map((f) => f.id)).toEqual([his.id]);
  });

  it('GET /v1/me/favorites keeps a listing that was sold with its current status and price, drops a deleted one', async () => {
    const user = await createTestUser();
    const sold = await createTestProperty({ price: 90_000_000 });
    const deleted = await createTestProperty();
    for (const listing of [sold, deleted]) expect((await put(user, listing.id)).status).toBe(204);

    const move = (status: string) =>
      api(`/v1/admin/properties/${sold.id}/status`, { token: admin.token, json: { status } });
    expect((await move('pending')).status).toBe(200);
    expect((await move('sold')).status).toBe(200);
    await testDb().update(properties).set({ price: 88_000_000 }).where(eq(properties.id, sold.id));
    expect((await api(`/v1/admin/properties/${deleted.id}`, { method: 'DELETE', token: admin.token })).status).toBe(
      204,
    );

    const page = await list(user);
    expect(page.data.map((f) => [f.id, f.status, f.price, f.previousPrice])).toEqual([
      [sold.id, 'sold', 88_000_000, 90_000_000],
    ]);
  });

  it('GET /v1/me/favorites never shows a listing that is a draft', async () => {
    const user = await createTestUser();
    const listing = await createTestProperty();
    expect((await put(user, listing.id)).status).toBe(204);
    // No transition leads back to draft; a direct write is the only way, and it must not leak.
    await testDb().update(properties).set({ status: 'draft' }).where(eq(properties.id, listing.id));
    expect((await list(user)).data).toEqual([]);
  });

  it('GET /v1/me/favorites pages newest first across pages with no duplicates and no gaps', async () => {
    const user = await createTestUser();
    const listings = [];
    for (let i = 0; i < 7; i++) listings.push(await createTestProperty());
    // Two favourites at the same instant: the property id breaks the tie.
    const db = testDb();
    const at = new Date(Date.now() - 60_000);
    await db.insert(favorites).values(
      listings.map((l, i) => ({
        userId: user.id,
        propertyId: l.id,
        createdAt: i < 2 ? at : new Date(at.getTime() + i),
      })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(user, `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((f) => f.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    const expected = listings
      .map((l, i) => ({ id: l.id, t: i < 2 ? 0 : i }))
      .sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : -1))
      .map((x) => x.id);
    expect(seen).toEqual(expected);
  });

  it('GET /v1/me/favorites refuses a forged cursor, another user’s cursor and a limit out of range', async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    for (let i = 0; i < 2; i++) expect((await put(alice, (await createTestProperty()).id)).status).toBe(204);
    const first = await list(alice, '?limit=1');
    expect(first.nextCursor).not.toBeNull();
    const cursor = encodeURIComponent(first.nextCursor as string);

    const stolen = await api(`/v1/me/favorites?limit=1&cursor=${cursor}`, { token: bob.token });
    await expectProblem(stolen, 422, 'INVALID_CURSOR');
    const forged = await api(`/v1/me/favorites?cursor=${cursor.slice(0, -4)}AAAA`, { token: alice.token });
    await expectProblem(forged, 422, 'INVALID_CURSOR');
    const searchCursor = await api('/v1/me/favorites?cursor=eyJ4IjoxfQ.bm90LWEtbWFj', { token: alice.token });
    await expectProblem(searchCursor, 422, 'INVALID_CURSOR');
    for (const limit of ['0', '101', 'x']) {
      await expectProblem(
        await api(`/v1/me/favorites?limit=${limit}`, { token: alice.token }),
        422,
        'VALIDATION_FAILED',
      );
    }
    await expectProblem(await api('/v1/me/favorites?sort=price', { token: alice.token }), 422, 'VALIDATION_FAILED');
  });

  it('GET /v1/me/favorites without a token is a 401, and with an expired or forged one too', async () => {
    await expectProblem(await api('/v1/me/favorites'), 401, 'UNAUTHORIZED');
    await expectProblem(await api('/v1/me/favorites', { token: 'a.b.c' }), 401, 'INVALID_TOKEN');
    const listing = await createTestProperty();
    await expectProblem(await api(`/v1/me/favorites/${listing.id}`, { method: 'PUT' }), 401, 'UNAUTHORIZED');
    const rows = await testDb()
      .select()
      .from(favorites)
      .where(and(eq(favorites.propertyId, listing.id)));
    expect(rows).toEqual([]);
  });
});
