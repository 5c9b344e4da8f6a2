import { env } from 'cloudflare:test';
import { asc, eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { properties, propertyImages } from '../../src/db/schema';
import { deleteOrphanedImages } from '../../src/services/images/orphans';
import { fixture } from '../fixtures/images/fixtures.generated';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestUser, type TestUser } from '../helpers/users';

const bucket = (env as unknown as { IMAGES: R2Bucket }).IMAGES;
let admin: TestUser;

beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

interface Image {
  id: string;
  sortOrder: number;
  isCover: boolean;
  altText: string;
}

async function listing(): Promise<string> {
  const res = await api('/v1/admin/properties', {
    token: admin.token,
    json: {
      title: `Gallery ${Math.random().toString(36).slice(2, 8)}`,
      propertyType: 'condo',
      listingType: 'sale',
      price: 1_000_000,
      address: { line1: '4 Frame Street', city: 'Galleria', country: 'US' },
    },
  });
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}

async function withPhotos(n: number): Promise<{ propertyId: string; images: Image[] }> {
  const propertyId = await listing();
  const images: Image[] = [];
  for (let i = 0; i < n; i++) {
    const res = await api(`/v1/admin/properties/${propertyId}/images?altText=photo${i}`, {
      method: 'POST',
      token: admin.token,
      body: fixture(i % 2 ? 'jpeg-baseline-40x30.jpg' : 'png-7x5.png'),
    });
    expect(res.status).toBe(201);
    images.push(await json<Image>(res));
  }
  return { propertyId, images };
}

async function rows(propertyId: string) {
  return testDb()
    .select()
    .from(propertyImages)
    .where(eq(propertyImages.propertyId, propertyId))
    .orderBy(asc(propertyImages.sortOrder));
}

const reorder = (propertyId: string, imageIds: string[]) =>
  api(`/v1/admin/properties/${propertyId}/images/order`, { method: 'PUT', token: admin.token, json: { imageIds } });

async function keysUnder(propertyId: string) {
  return (await bucket.list({ prefix: `properties/${propertyId}/` })).objects.map((o) => o.key);
}

describe('photo order and cover', () => {
  it('POST /v1/admin/properties/:id/images makes the first photo the cover and appends the rest', async () => {
    const { images } = await withPhotos(3);
    expect(images.map((i) => [i.sortOrder, i.isCover])).toEqual([
      [0, true],
      [1, false],
      [2, false],
    ]);
  });

  it('PUT /v1/admin/properties/:id/images/order applies a full permutation atomically and keeps the cover', async () => {
    const { propertyId, images } = await withPhotos(3);
    const [a, b, c] = images.map((i) => i.id) as [string, string, string];
    const res = await reorder(propertyId, [c, a, b]);
    expect(res.status).toBe(200);
    const body = await json<{ data: Image[] }>(res);
    expect(body.data.map((i) => i.id)).toEqual([c, a, b]);
    expect(body.data.map((i) => i.sortOrder)).toEqual([0, 1, 2]);
    expect(body.data.filter((i) => i.isCover).map((i) => i.id)).toEqual([a]);
    expect((await rows(propertyId)).map((r) => r.id)).toEqual([c, a, b]);
    const detail = await json<{ images: Image[] }>(
      await api(`/v1/admin/properties/${propertyId}`, { token: admin.token }),
    );
    expect(detail.images.map((i) => i.id)).toEqual([c, a, b]);
  });

  it('PUT /v1/admin/properties/:id/images/order rejects missing, duplicate, foreign and unknown ids with a 422 and changes nothing', async () => {
    const { propertyId, images } = await withPhotos(3);
    const other = await withPhotos(1);
    const [a, b, c] = images.map((i) => i.id) as [string, string, string];
    const attempts: string[][] = [
      [a, b],
      [a, b, c, a],
      [a, a, b],
      [a, b, other.images[0]?.id as string],
      [a, b, c, other.images[0]?.id as string],
      [a, b, uuidv7()],
      [],
    ];
    for (const attempt of attempts) {
      await expectProblem(await reorder(propertyId, attempt), 422);
    }
    await expectProblem(await reorder(propertyId, [a, b, 'not-a-uuid']), 422);
    await expectProblem(
      await api(`/v1/admin/properties/${propertyId}/images/order`, {
        method: 'PUT',
        token: admin.token,
        json: { imageIds: [a, b, c], extra: true },
      }),
      422,
    );
    expect((await rows(propertyId)).map((r) => r.id)).toEqual([a, b, c]);
    expect((await rows(other.propertyId)).map((r) => r.id)).toEqual([other.images[0]?.id]);
  });

  it('PUT /v1/admin/properties/:id/images/order is a 404 for an unknown listing and 403 for a user', async () => {
    await expectProblem(await reorder(uuidv7(), []), 404);
    const { propertyId, images } = await withPhotos(1);
    const user = await createTestUser();
    await expectProblem(
      await api(`/v1/admin/properties/${propertyId}/images/order`, {
        method: 'PUT',
        token: user.token,
        json: { imageIds: images.map((i) => i.id) },
      }),
      403,
    );
  });

  it('PUT /v1/admin/properties/:id/images/order makes the first photo the cover when none is set', async () => {
    const { propertyId, images } = await withPhotos(3);
    await testDb().update(propertyImages).set({ isCover: false }).where(eq(propertyImages.propertyId, propertyId));
    const [a, b, c] = images.map((i) => i.id) as [string, string, string];
    const body = await json<{ data: Image[] }>(await reorder(propertyId, [b, c, a]));
    expect(body.data.filter((i) => i.isCover).map((i) => i.id)).toEqual([b]);
  });

  it('PATCH /v1/admin/images/:id moves the cover so that exactly one remains, and edits alt text', async () => {
    const { propertyId, images } = await withPhotos(3);
    const third = images[2]?.id as string;
    const res = await api(`/v1/admin/images/${third}`, {
      method: 'PATCH',
      token: admin.token,
      json: { isCover: true, altText: 'The view' },
    });
    expect(res.status).toBe(200);
    expect(await json<Image>(res)).toMatchObject({ id: third, isCover: true, altText: 'The view' });
    const all = await rows(propertyId);
    expect(all.filter((r) => r.isCover).map((r) => r.id)).toEqual([third]);
    const alt = await api(`/v1/admin/images/${images[0]?.id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { altText: 'Front' },
    });
    expect(await json<Image>(alt)).toMatchObject({ altText: 'Front', isCover: false });
  });

  it('PATCH /v1/admin/images/:id rejects isCover false, unknown keys and long alt text; 404 for unknown images', async () => {
    const { images } = await withPhotos(1);
    const id = images[0]?.id as string;
    const patch = (body: unknown, imageId = id) =>
      api(`/v1/admin/images/${imageId}`, { method: 'PATCH', token: admin.token, json: body });
    await expectProblem(await patch({ isCover: false }), 422);
    await expectProblem(await patch({ sortOrder: 3 }), 422);
    await expectProblem(await patch({ altText: 'x'.repeat(301) }), 422);
    await expectProblem(await patch({ altText: 'ok' }, uuidv7()), 404);
  });
});

describe('photo deletion', () => {
  it('DELETE /v1/admin/images/:id removes row and object, closes the gap and hands the cover on', async () => {
    const { propertyId, images } = await withPhotos(3);
    const [a, b, c] = images.map((i) => i.id) as [string, string, string];
    expect(await keysUnder(propertyId)).toHaveLength(3);
    const res = await api(`/v1/admin/images/${a}`, { method: 'DELETE', token: admin.token });
    expect(res.status).toBe(204);
    const left = await rows(propertyId);
    expect(left.map((r) => [r.id, r.sortOrder, r.isCover])).toEqual([
      [b, 0, true],
      [c, 1, false],
    ]);
    expect((await keysUnder(propertyId)).sort()).toEqual(
      [`properties/${propertyId}/${b}`, `properties/${propertyId}/${c}`].sort(),
    );
    await expectProblem(await api(`/v1/images/${a}`), 404);
    await expectProblem(await api(`/v1/admin/images/${a}`, { method: 'DELETE', token: admin.token }), 404);
  });

  it('DELETE /v1/admin/properties/:id removes every photo object from R2 (listing the bucket proves it)', async () => {
    const { propertyId } = await withPhotos(3);
    expect(await keysUnder(propertyId)).toHaveLength(3);
    const res = await api(`/v1/admin/properties/${propertyId}`, { method: 'DELETE', token: admin.token });
    expect(res.status).toBe(204);
    expect(await keysUnder(propertyId)).toEqual([]);
    expect(await rows(propertyId)).toEqual([]);
    expect(await testDb().select().from(properties).where(eq(properties.id, propertyId))).toEqual([]);
  });

  it('deleteOrphanedImages removes objects with no row and keeps referenced and recent ones', async () => {
    const { propertyId, images } = await withPhotos(1);
    const orphanKey = `properties/${propertyId}/${uuidv7()}`;
    await bucket.put(orphanKey, fixture('png-7x5.png'));
    const prefix = `properties/${propertyId}/`;
    // Within the grace period nothing is touched: it could be an upload in flight.
    const early = await deleteOrphanedImages(testDb(), bucket, { prefix });
    expect(early.deleted).toBe(0);
    const dry = await deleteOrphanedImages(testDb(), bucket, { prefix, graceMs: 0, dryRun: true });
    expect(dry).toMatchObject({ orphaned: 1, deleted: 0, keys: [orphanKey] });
    const report = await deleteOrphanedImages(testDb(), bucket, { prefix, graceMs: 0 });
    expect(report).toMatchObject({ scanned: 2, orphaned: 1, deleted: 1, keys: [orphanKey] });
    expect(await keysUnder(propertyId)).toEqual([`properties/${propertyId}/${images[0]?.id}`]);
  });
});
