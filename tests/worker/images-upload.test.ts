import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { properties, propertyImages } from '../../src/db/schema';
import { type FixtureName, fixture } from '../fixtures/images/fixtures.generated';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestUser, type TestUser } from '../helpers/users';

const bucket = (env as unknown as { IMAGES: R2Bucket }).IMAGES;
let admin: TestUser;

beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

async function listing(): Promise<string> {
  const id = uuidv7();
  await testDb()
    .insert(properties)
    .values({
      id,
      slug: `photos-${id}`,
      title: 'Photo test home',
      propertyType: 'house',
      listingType: 'sale',
      status: 'active',
      price: 1000,
      addressLine1: '1 Pixel Way',
      city: 'Imageton',
      country: 'US',
    });
  return id;
}

const upload = (propertyId: string, body: BodyInit, headers: Record<string, string> = {}, token = admin.token) =>
  api(`/v1/admin/properties/${propertyId}/images`, { method: 'POST', token, body, headers });

async function objectsOf(propertyId: string): Promise<string[]> {
  const listed = await bucket.list({ prefix: `properties/${propertyId}/` });
  return listed.objects.map((o) => o.key);
}

interface Image {
  id: string;
  url: string;
  width: number;
  height: number;
  sortOrder: number;
  isCover: boolean;
  altText: string;
}

const accepted: Array<[FixtureName, string, number, number]> = [
  ['jpeg-baseline-40x30.jpg', 'image/jpeg', 40, 30],
  ['jpeg-progressive-32x24.jpg', 'image/jpeg', 32, 24],
  ['png-7x5.png', 'image/png', 7, 5],
  ['webp-lossy-20x10.webp', 'image/webp', 20, 10],
  ['webp-lossless-9x7.webp', 'image/webp', 9, 7],
  ['webp-alpha-12x8.webp', 'image/webp', 12, 8],
  ['avif-16x9.avif', 'image/avif', 16, 9],
];

describe('POST /v1/admin/properties/:id/images', () => {
  for (const [name, type, width, height] of accepted) {
    it(`POST /v1/admin/properties/:id/images stores ${name} as ${type} ${width}x${height}`, async () => {
      const propertyId = await listing();
      const bytes = fixture(name);
      // The declared type is ignored: the bytes decide.
      const res = await upload(propertyId, bytes, { 'Content-Type': 'application/octet-stream' });
      expect(res.status).toBe(201);
      const image = await json<Image>(res);
      expect(image).toMatchObject({ width, height, sortOrder: 0, isCover: true });
      const [row] = await testDb().select().from(propertyImages).where(eq(propertyImages.id, image.id));
      expect(row).toMatchObject({ contentType: type, byteSize: bytes.byteLength, width, height });
      expect(row?.r2Key).toBe(`properties/${propertyId}/${image.id}`);
      const object = await bucket.get(row?.r2Key as string);
      expect(object?.httpMetadata?.contentType).toBe(type);
      expect(new Uint8Array(await (object as R2ObjectBody).arrayBuffer())).toEqual(bytes);
      const served = await api(`/v1/images/${image.id}`);
      expect(served.status).toBe(200);
      expect(served.headers.get('Content-Type')).toBe(type);
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
    });
  }

  it('POST /v1/admin/properties/:id/images costs the session check and one statement: no count before, no slug lookup after', async () => {
    const propertyId = await listing();
    const res = await upload(propertyId, fixture('png-7x5.png'));
    expect(res.status).toBe(201);
    expect(res.headers.get('Server-Timing')).toMatch(/db;dur=[\d.]+;desc="2 database round trips"/);
  });

  it('POST /v1/admin/properties/:id/images accepts multipart with a file field and alt text', async () => {
    const propertyId = await listing();
    const form = new FormData();
    form.append('file', new File([fixture('png-7x5.png')], 'evil.gif', { type: 'image/gif' }));
    form.append('altText', 'Front of the house');
    const res = await upload(propertyId, form);
    expect(res.status).toBe(201);
    const image = await json<Image>(res);
    expect(image).toMatchObject({ width: 7, height: 5, altText: 'Front of the house' });
    expect(res.headers.get('Location')).toBe(`/v1/images/${image.id}`);
    const [row] = await testDb().select().from(propertyImages).where(eq(propertyImages.id, image.id));
    expect(row?.contentType).toBe('image/png');
  });

  it('POST /v1/admin/properties/:id/images takes altText from the query for a raw body', async () => {
    const propertyId = await listing();
    const res = await api(`/v1/admin/properties/${propertyId}/images?altText=Kitchen`, {
      method: 'POST',
      token: admin.token,
      body: fixture('jpeg-baseline-40x30.jpg'),
      headers: { 'Content-Type': 'image/jpeg' },
    });
    expect((await json<Image>(res)).altText).toBe('Kitchen');
  });

  const rejected: FixtureName[] = [
    'gif-4x4.gif',
    'svg-with-script.svg.bin',
    'html-page.html.bin',
    'polyglot-png-html.png',
    'truncated.jpg',
    'truncated.png',
    'truncated.webp',
    'truncated.avif',
  ];
  for (const name of rejected) {
    it(`POST /v1/admin/properties/:id/images rejects ${name} with a 415 and stores nothing`, async () => {
      const propertyId = await listing();
      await expectProblem(
        await upload(propertyId, fixture(name), { 'Content-Type': 'image/png' }),
        415,
        'UNSUPPORTED_IMAGE',
      );
      expect(await objectsOf(propertyId)).toEqual([]);
      expect(await testDb().select().from(propertyImages).where(eq(propertyImages.propertyId, propertyId))).toEqual([]);
    });
  }

  it('POST /v1/admin/properties/:id/images rejects an empty body with a 415', async () => {
    const propertyId = await listing();
    await expectProblem(await upload(propertyId, new Uint8Array(0), { 'Content-Type': 'image/png' }), 415);
  });

  it('POST /v1/admin/properties/:id/images rejects a body over 10 MB with a 413', async () => {
    const propertyId = await listing();
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(fixture('png-7x5.png'));
    await expectProblem(await upload(propertyId, big, { 'Content-Type': 'image/png' }), 413, 'PAYLOAD_TOO_LARGE');
    const form = new FormData();
    form.append('file', new File([big], 'big.png', { type: 'image/png' }));
    await expectProblem(await upload(propertyId, form), 413, 'PAYLOAD_TOO_LARGE');
    expect(await objectsOf(propertyId)).toEqual([]);
  });

  it('POST /v1/admin/properties/:id/images rejects more than 50 megapixels with a 413', async () => {
    const propertyId = await listing();
    await expectProblem(await upload(propertyId, fixture('png-60-megapixels.png')), 413, 'IMAGE_TOO_MANY_PIXELS');
    expect(await objectsOf(propertyId)).toEqual([]);
  });

  it('POST /v1/admin/properties/:id/images refuses a 51st photo with a 409 and leaves no object', async () => {
    const propertyId = await listing();
    await testDb()
      .insert(propertyImages)
      .values(
        Array.from({ length: 50 }, (_, i) => ({
          id: uuidv7(),
          propertyId,
          r2Key: `elsewhere/${propertyId}/${i}`,
          contentType: 'image/png',
          byteSize: 1,
          width: 1,
          height: 1,
          sha256: 'd'.repeat(64),
          sortOrder: i,
          isCover: i === 0,
        })),
      );
    await expectProblem(await upload(propertyId, fixture('png-7x5.png')), 409, 'TOO_MANY_IMAGES');
    expect(await objectsOf(propertyId)).toEqual([]);
  });

  it('POST /v1/admin/properties/:id/images removes the R2 object when the database write fails', async () => {
    const propertyId = await listing();
    // PostgreSQL text cannot hold NUL: the insert fails after the object was stored.
    const res = await api(`/v1/admin/properties/${propertyId}/images?altText=${encodeURIComponent('a\u0000b')}`, {
      method: 'POST',
      token: admin.token,
      body: fixture('png-7x5.png'),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await res.arrayBuffer();
    expect(await objectsOf(propertyId)).toEqual([]);
    expect(await testDb().select().from(propertyImages).where(eq(propertyImages.propertyId, propertyId))).toEqual([]);
  });

  it('POST /v1/admin/properties/:id/images is a 404 for an unknown listing and stores nothing', async () => {
    const ghost = uuidv7();
    await expectProblem(await upload(ghost, fixture('png-7x5.png')), 404);
    expect(await objectsOf(ghost)).toEqual([]);
  });

  it('POST /v1/admin/properties/:id/images needs an admin and a file field', async () => {
    const propertyId = await listing();
    await expectProblem(await upload(propertyId, fixture('png-7x5.png'), {}, ''), 401);
    const user = await createTestUser();
    await expectProblem(await upload(propertyId, fixture('png-7x5.png'), {}, user.token), 403);
    const form = new FormData();
    form.append('altText', 'no file');
    await expectProblem(await upload(propertyId, form), 422);
    const textInsteadOfFile = new FormData();
    textInsteadOfFile.append('file', 'not a file');
    await expectProblem(await upload(propertyId, textInsteadOfFile), 422);
  });
});

describe('GET /v1/images/:id', () => {
  it('GET /v1/images/:id streams with an ETag, a year of immutable cache and 304 on If-None-Match', async () => {
    const propertyId = await listing();
    const image = await json<Image>(await upload(propertyId, fixture('webp-lossy-20x10.webp')));
    const res = await api(`/v1/images/${image.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    const etag = res.headers.get('ETag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    await res.arrayBuffer();
    const again = await api(`/v1/images/${image.id}`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(etag);
  });

  it('GET /v1/images/:id is a 404 for unknown and malformed ids', async () => {
    await expectProblem(await api(`/v1/images/${uuidv7()}`), 404, 'IMAGE_NOT_FOUND');
    await expectProblem(await api('/v1/images/..%2F..%2Fetc'), 404);
    await expectProblem(await api('/v1/images/properties'), 404);
  });
});
