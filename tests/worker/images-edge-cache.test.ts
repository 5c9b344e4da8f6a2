import { beforeAll, describe, expect, it } from 'vitest';
import { PHOTO_EDGE_SECONDS, photoCacheKey } from '../../src/services/images/photo-edge-cache';
import { metadataFixture } from '../fixtures/images/metadata.generated';
import { api, BASE, expectProblem } from '../helpers/api';
import { decoded, photoListing, uploadPhoto } from '../helpers/images';
import { createTestUser, type TestUser } from '../helpers/users';

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

const photo = () => metadataFixture('jpeg-photo-1200x900.jpg');
const WEBP = { Accept: 'image/avif;q=0, image/webp,*/*;q=0.8' };
const AVIF = { Accept: 'image/avif,image/webp,*/*;q=0.8' };
const roundTrips = (res: Response) =>
  Number(/desc="(\d+) database round trips"/.exec(res.headers.get('Server-Timing') ?? '')?.[1]);
const inEdgeCache = (id: string, w: number | undefined, accept?: string) =>
  caches.default.match(photoCacheKey(BASE, id, w, accept));

describe('GET /v1/images/:id through the edge cache', () => {
  it('a visitor gets a cached variant with no database round trip, the same bytes and ETag', async () => {
    const image = await uploadPhoto(await photoListing(), photo(), admin.token);
    const first = await api(`/v1/images/${image.id}?w=320`, { headers: WEBP });
    expect(first.headers.get('X-Cache')).toBe('MISS');
    expect(roundTrips(first)).toBeGreaterThanOrEqual(1);
    const bytes = new Uint8Array(await first.arrayBuffer());
    await expect.poll(() => inEdgeCache(image.id, 320, WEBP.Accept)).toBeDefined();

    const hit = await api(`/v1/images/${image.id}?w=320`, { headers: WEBP });
    expect(hit.status).toBe(200);
    expect(hit.headers.get('X-Cache')).toBe('HIT');
    expect(roundTrips(hit)).toBe(0);
    expect(hit.headers.get('ETag')).toBe(first.headers.get('ETag'));
    expect(hit.headers.get('Content-Type')).toBe('image/webp');
    // The client still gets the photo's own immutable caching, not the edge copy's lifetime.
    expect(hit.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(bytes);

    const notModified = await api(`/v1/images/${image.id}?w=320`, {
      headers: { ...WEBP, 'If-None-Match': first.headers.get('ETag') as string },
    });
    expect(notModified.status).toBe(304);
    expect(roundTrips(notModified)).toBe(0);
  });

  it('keeps each format class apart, and the edge copy only for PHOTO_EDGE_SECONDS', async () => {
    const image = await uploadPhoto(await photoListing(), photo(), admin.token);
    for (const [headers, type] of [
      [WEBP, 'image/webp'],
      [AVIF, 'image/avif'],
      [{ Accept: 'image/*' }, 'image/jpeg'],
    ] as const) {
      const miss = await api(`/v1/images/${image.id}?w=160`, { headers });
      expect(miss.headers.get('Content-Type')).toBe(type);
      await miss.arrayBuffer();
      await expect.poll(() => inEdgeCache(image.id, 160, headers.Accept)).toBeDefined();
      const hit = await api(`/v1/images/${image.id}?w=160`, { headers });
      expect([hit.headers.get('X-Cache'), hit.headers.get('Content-Type')]).toEqual(['HIT', type]);
      expect((await decoded(hit)).type).toBe(type);
    }
    const stored = await inEdgeCache(image.id, 160, WEBP.Accept);
    expect(stored?.headers.get('Cache-Control')).toBe(`public, max-age=${PHOTO_EDGE_SECONDS}`);
    await stored?.arrayBuffer();
  });

  it("never keeps a draft's photo: staff get it privately, visitors a 404 before and after", async () => {
    const image = await uploadPhoto(await photoListing('draft'), photo(), admin.token);
    await expectProblem(await api(`/v1/images/${image.id}?w=160`, { headers: WEBP }), 404, 'IMAGE_NOT_FOUND');
    const staff = await api(`/v1/images/${image.id}?w=160`, { headers: WEBP, token: admin.token });
    expect(staff.status).toBe(200);
    expect(staff.headers.get('Cache-Control')).toBe('private, no-cache');
    await staff.arrayBuffer();
    await expectProblem(await api(`/v1/images/${image.id}?w=160`, { headers: WEBP }), 404, 'IMAGE_NOT_FOUND');
    expect(await inEdgeCache(image.id, 160, WEBP.Accept)).toBeUndefined();
  });

  it('DELETE /v1/admin/images/:id drops the photo from the edge cache: visitors get a 404 at once', async () => {
    const image = await uploadPhoto(await photoListing(), photo(), admin.token);
    const first = await api(`/v1/images/${image.id}`, { headers: WEBP });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    await expect.poll(() => inEdgeCache(image.id, undefined)).toBeDefined();
    const deleted = await api(`/v1/admin/images/${image.id}`, { method: 'DELETE', token: admin.token });
    expect(deleted.status).toBe(204);
    await expectProblem(await api(`/v1/images/${image.id}`, { headers: WEBP }), 404, 'IMAGE_NOT_FOUND');
  });
});
