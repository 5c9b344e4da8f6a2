import { env } from 'cloudflare:test';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { propertyImages } from '../../src/db/schema';
import { fixture } from '../fixtures/images/fixtures.generated';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, type TestUser } from '../helpers/users';

/** R2 and the database disagree: a photo row whose object is gone is a 404, never a 500. */

const bucket = (env as unknown as { IMAGES: R2Bucket }).IMAGES;
let admin: TestUser;

beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

async function uploadedPhoto(): Promise<{ propertyId: string; slug: string; imageId: string; key: string }> {
  const listing = await createTestProperty({ createdBy: admin.id });
  const res = await api(`/v1/admin/properties/${listing.id}/images`, {
    method: 'POST',
    token: admin.token,
    body: fixture('png-7x5.png'),
    headers: { 'Content-Type': 'image/png' },
  });
  expect(res.status).toBe(201);
  const imageId = (await json<{ id: string }>(res)).id;
  return { propertyId: listing.id, slug: listing.slug, imageId, key: `properties/${listing.id}/${imageId}` };
}

describe('R2 object missing behind an image row', () => {
  it('GET /v1/images/:id answers 404 IMAGE_NOT_FOUND when the object was deleted behind the row', async () => {
    const photo = await uploadedPhoto();
    // Signed in: a visitor's repeat would be the edge cache's copy, which outlives the object by design.
    const first = await api(`/v1/images/${photo.imageId}`, { token: admin.token });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    await bucket.delete(photo.key);
    expect(await bucket.head(photo.key)).toBeNull();
    await expectProblem(await api(`/v1/images/${photo.imageId}`, { token: admin.token }), 404, 'IMAGE_NOT_FOUND');
    await expectProblem(await api(`/v1/images/${photo.imageId}?w=160`), 404, 'IMAGE_NOT_FOUND');
  });

  it('GET /v1/images/:id answers 404 for a row whose object never existed', async () => {
    const listing = await createTestProperty({ createdBy: admin.id });
    const id = uuidv7();
    await testDb()
      .insert(propertyImages)
      .values({
        id,
        propertyId: listing.id,
        r2Key: `properties/${listing.id}/${id}`,
        contentType: 'image/png',
        byteSize: 68,
        width: 7,
        height: 5,
        sha256: 'a'.repeat(64),
        altText: '',
        sortOrder: 0,
        isCover: true,
      });
    const res = await api(`/v1/images/${id}`);
    await expectProblem(res, 404, 'IMAGE_NOT_FOUND');
    expect(res.headers.get('Content-Type')).not.toContain('image/');
  });

  it('GET /v1/properties/:idOrSlug still answers 200 when a photo object is missing', async () => {
    const photo = await uploadedPhoto();
    await bucket.delete(photo.key);
    const res = await api(`/v1/properties/${photo.slug}`);
    expect(res.status).toBe(200);
  });

  it('DELETE /v1/admin/images/:id removes a row whose object is already gone', async () => {
    const photo = await uploadedPhoto();
    await bucket.delete(photo.key);
    const res = await api(`/v1/admin/images/${photo.imageId}`, { method: 'DELETE', token: admin.token });
    expect(res.status).toBe(204);
    await expectProblem(await api(`/v1/images/${photo.imageId}`), 404, 'IMAGE_NOT_FOUND');
  });

  it('DELETE /v1/admin/properties/:id deletes a listing whose photo objects are already gone', async () => {
    const photo = await uploadedPhoto();
    await bucket.delete(photo.key);
    const res = await api(`/v1/admin/properties/${photo.propertyId}`, { method: 'DELETE', token: admin.token });
    expect(res.status).toBe(204);
    expect((await bucket.list({ prefix: `properties/${photo.propertyId}/` })).objects).toEqual([]);
  });
});
