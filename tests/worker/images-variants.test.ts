import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { propertyImages } from '../../src/db/schema';
import { deleteOrphanedImages } from '../../src/services/images/orphans';
import { allVariantKeys, variantKey } from '../../src/services/images/variants';
import { metadataFixture } from '../fixtures/images/metadata.generated';
import { api, BASE, expectProblem, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testDb } from '../helpers/db';
import { bucket, decoded, photoListing, transforms, uploadPhoto } from '../helpers/images';
import { createTestUser, type TestUser } from '../helpers/users';

let admin: TestUser;
let visitor: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
  visitor = await createTestUser({ role: 'user' });
});
afterEach(() => vi.restoreAllMocks());

const photo = () => metadataFixture('jpeg-photo-1200x900.jpg');
const WEBP = { Accept: 'image/avif;q=0, image/webp,*/*;q=0.8' };

async function rowOf(imageId: string) {
  const [row] = await testDb().select().from(propertyImages).where(eq(propertyImages.id, imageId));
  if (!row) throw new Error('no row');
  return row;
}

describe('GET /v1/images/:id?w=N', () => {
  it('GET /v1/images/:id?w=320 answers a 320x240 WebP, stored once, with a strong ETag and 304', async () => {
    const image = await uploadPhoto(await photoListing(), photo(), admin.token);
    const first = await api(`/v1/images/${image.id}?w=320`, { headers: WEBP });
    expect(first.status).toBe(200);
    expect(first.headers.get('Content-Type')).toBe('image/webp');
    expect(first.headers.get('Vary')).toMatch(/^Accept\b/);
    expect(first.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(first.headers.get('X-Image-Variant')).toBe('made');
    const etag = first.headers.get('ETag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}-v1-w320-webp"$/);
    const body = await decoded(first);
    expect(body).toMatchObject({ type: 'image/webp', width: 320, height: 240 });
    expect(Number(first.headers.get('Content-Length'))).toBe(body.bytes.length);

    const row = await rowOf(image.id);
    await vi.waitFor(async () => expect(await bucket.head(variantKey(row.r2Key, 320, 'image/webp'))).not.toBeNull());
    // A visitor's next request is the edge cache's; a signed-in one reads the stored variant.
    const again = await api(`/v1/images/${image.id}?w=320`, { headers: WEBP });
    expect(again.headers.get('X-Cache')).toBe('HIT');
    expect(again.headers.get('ETag')).toBe(etag);
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(body.bytes);
    const stored = await api(`/v1/images/${image.id}?w=320`, { headers: WEBP, token: visitor.token });
    expect(stored.headers.get('X-Image-Variant')).toBe('stored');
    expect(stored.headers.get('ETag')).toBe(etag);
    expect(new Uint8Array(await stored.arrayBuffer())).toEqual(body.bytes);

    const cached = await api(`/v1/images/${image.id}?w=320`, { headers: { ...WEBP, 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('ETag')).toBe(etag);
  });

  it('GET /v1/images/:id?w=N picks AVIF, WebP, JPEG or PNG by Accept and transparency, each with its own ETag', async () => {
    const jpeg = await uploadPhoto(await photoListing(), photo(), admin.token);
    const png = await uploadPhoto(await photoListing(), metadataFixture('png-alpha-300x200.png'), admin.token);
    const cases: Array<[string, string | undefined, string, number, number]> = [
      [jpeg.id, 'image/avif,image/webp,image/*;q=0.8', 'image/avif', 640, 480],
      [jpeg.id, 'image/webp', 'image/webp', 640, 480],
      [jpeg.id, undefined, 'image/jpeg', 640, 480],
      [jpeg.id, 'image/*', 'image/jpeg', 160, 120],
      [png.id, 'image/png,image/*', 'image/png', 160, 107],
      [png.id, 'image/webp', 'image/webp', 160, 107],
    ];
    const etags = new Set<string>();
    for (const [id, accept, type, width, height] of cases) {
      const res = await api(`/v1/images/${id}?w=${width}`, { headers: accept ? { Accept: accept } : {} });
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toBe(type);
      etags.add(res.headers.get('ETag') as string);
      expect(await decoded(res)).toMatchObject({ type, width, height });
    }
    expect(etags.size).toBe(cases.length);
  });

  it('GET /v1/images/:id?w=2400 never scales up: the photo at its own 1200 px, shared with w=1600', async () => {
    const image = await uploadPhoto(await photoListing(), photo(), admin.token);
    const big = await api(`/v1/images/${image.id}?w=2400`, { headers: WEBP });
    const bigEtag = big.headers.get('ETag');
    expect(await decoded(big)).toMatchObject({ width: 1200, height: 900 });
    const mid = await api(`/v1/images/${image.id}?w=1600`, { headers: WEBP });
    expect(mid.headers.get('ETag')).toBe(bigEtag);
    expect(await decoded(mid)).toMatchObject({ width: 1200, height: 900 });
  });

  for (const w of ['300', 'abc', '0', '320.0', '']) {
    it(`GET /v1/images/:id?w=${w} is a 422`, async () => {
      const image = await uploadPhoto(await photoListing(), metadataFixture('png-alpha-300x200.png'), admin.token);
      const problem = await expectProblem(await api(`/v1/images/${image.id}?w=${w}`), 422);
      expect(problem.errors?.[0]?.path).toBe('w');
    });
  }

  it('GET /v1/images/:id?w=320 fired 12 times at once transforms once and writes R2 once', async () => {
    const image = await uploadPhoto(await photoListing(), photo(), admin.token);
    let made = 0;
    let writes = 0;
    const countingTransforms = {
      info: (s: ReadableStream) => transforms.info(s),
      input: (s: ReadableStream) => {
        made++;
        return transforms.input(s);
      },
    } as unknown as ImagesBinding;
    const countingBucket = new Proxy(bucket, {
      get(target, prop) {
        if (prop === 'put') {
          return (...args: Parameters<R2Bucket['put']>) => {
            writes++;
            return target.put(...args);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const app = createApp();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        callApp(app, `/v1/images/${image.id}?w=320`, {
          headers: WEBP,
          bindings: { IMAGE_TRANSFORMS: countingTransforms, IMAGES: countingBucket },
        }),
      ),
    );
    await Promise.all(answers.map((a) => a.background));
    const etags = new Set(answers.map((a) => a.response.headers.get('ETag')));
    expect(answers.map((a) => a.response.status)).toEqual(Array(12).fill(200));
    expect(etags.size).toBe(1);
    for (const a of answers) expect(await decoded(a.response.clone())).toMatchObject({ width: 320, height: 240 });
    expect(made).toBe(1);
    expect(writes).toBe(1);
  });

  it('GET /v1/images/:id?w=320 serves the original with a warning when the transform fails, never a 5xx', async () => {
    const image = await uploadPhoto(await photoListing(), photo(), admin.token);
    const failing = {
      input: () => ({
        transform() {
          return this;
        },
        output: () => Promise.reject(Object.assign(new Error('IMAGES_TRANSFORM_ERROR 9523'), { code: 9523 })),
      }),
    } as unknown as ImagesBinding;
    const warn = vi.spyOn(console, 'warn');
    const { response } = await callApp(createApp(), `/v1/images/${image.id}?w=320`, {
      headers: WEBP,
      bindings: { IMAGE_TRANSFORMS: failing },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Image-Variant')).toBe('fallback-original');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=60');
    expect(await decoded(response)).toMatchObject({ type: 'image/jpeg', width: 1200, height: 900 });
    expect(warn.mock.calls.some(([line]) => String(line).includes('image variant failed'))).toBe(true);
    // Nothing half-made was stored: the next request makes the variant.
    expect(await bucket.head(variantKey((await rowOf(image.id)).r2Key, 320, 'image/webp'))).toBeNull();
  });

  it('GET /v1/images/:id?w=320 of a missing R2 object is a 404 and flags the row; the sweep then deletes it', async () => {
    const propertyId = await photoListing();
    const image = await uploadPhoto(propertyId, photo(), admin.token);
    const row = await rowOf(image.id);
    await bucket.delete(row.r2Key);
    const { response, background } = await callApp(createApp(), `/v1/images/${image.id}?w=320`, { headers: WEBP });
    await expectProblem(response, 404, 'IMAGE_NOT_FOUND');
    await background;
    expect((await rowOf(image.id)).objectMissingAt).toBeInstanceOf(Date);
    await expectProblem(await api(`/v1/images/${image.id}`), 404, 'IMAGE_NOT_FOUND');

    const report = await deleteOrphanedImages(testDb(), bucket, { prefix: `properties/${propertyId}/`, graceMs: 0 });
    expect(report).toMatchObject({ missingRowsDeleted: 1, missingRowsCleared: 0 });
    expect(await testDb().select().from(propertyImages).where(eq(propertyImages.id, image.id))).toEqual([]);
  });

  it('the orphan sweep keeps the variants of a live photo and removes those whose photo is gone', async () => {
    const propertyId = await photoListing();
    const image = await uploadPhoto(propertyId, photo(), admin.token);
    const row = await rowOf(image.id);
    const liveVariant = variantKey(row.r2Key, 160, 'image/webp');
    const deadVariant = variantKey(`properties/${propertyId}/00000000-0000-7000-8000-000000000000`, 160, 'image/webp');
    await bucket.put(liveVariant, new Uint8Array([1]));
    await bucket.put(deadVariant, new Uint8Array([1]));
    const report = await deleteOrphanedImages(testDb(), bucket, {
      prefix: `properties/${propertyId}/`,
      graceMs: 0,
      now: new Date(Date.now() + 1000),
    });
    expect(report.keys).toEqual([deadVariant]);
    expect(await bucket.head(liveVariant)).not.toBeNull();
  });

  it('DELETE /v1/admin/images/:id removes the photo and its variants from R2', async () => {
    const image = await uploadPhoto(await photoListing(), photo(), admin.token);
    const row = await rowOf(image.id);
    await api(`/v1/images/${image.id}?w=160`, { headers: WEBP });
    await vi.waitFor(async () => expect(await bucket.head(variantKey(row.r2Key, 160, 'image/webp'))).not.toBeNull());
    expect((await api(`/v1/admin/images/${image.id}`, { method: 'DELETE', token: admin.token })).status).toBe(204);
    for (const key of [row.r2Key, ...allVariantKeys(row.r2Key)]) expect(await bucket.head(key)).toBeNull();
  });
});

describe('GET /v1/images/:id of a listing that is not public', () => {
  it('GET /v1/images/:id of a draft is a 404 to visitors and users, served privately to admins, never edge-cached', async () => {
    const propertyId = await photoListing('draft');
    const image = await uploadPhoto(propertyId, photo(), admin.token);
    for (const path of [`/v1/images/${image.id}`, `/v1/images/${image.id}?w=320`]) {
      await expectProblem(await api(path, { headers: WEBP }), 404, 'IMAGE_NOT_FOUND');
      await expectProblem(await api(path, { headers: WEBP, token: visitor.token }), 404, 'IMAGE_NOT_FOUND');
      await expectProblem(await api(path, { headers: WEBP, token: 'a.b.c' }), 404, 'IMAGE_NOT_FOUND');
      const res = await api(path, { headers: WEBP, token: admin.token });
      expect(res.status).toBe(200);
      expect(res.headers.get('Cache-Control')).toBe('private, no-cache');
      await res.arrayBuffer();
      expect(await caches.default.match(new Request(`${BASE}${path}`))).toBeUndefined();
    }
  });

  it('GET /v1/images/:id turns to 404 for visitors as soon as its listing leaves the public statuses', async () => {
    const propertyId = await photoListing();
    const image = await uploadPhoto(propertyId, photo(), admin.token);
    for (const path of [`/v1/images/${image.id}?w=160`, `/v1/images/${image.id}`]) {
      const res = await api(path, { headers: WEBP });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const changed = await api(`/v1/admin/properties/${propertyId}/status`, {
      method: 'POST',
      token: admin.token,
      json: { status: 'off_market' },
    });
    expect(changed.status).toBe(200);
    // Both were in this location's edge cache: the status change dropped them.
    await expectProblem(await api(`/v1/images/${image.id}?w=160`, { headers: WEBP }), 404, 'IMAGE_NOT_FOUND');
    await expectProblem(await api(`/v1/images/${image.id}`, { headers: WEBP }), 404, 'IMAGE_NOT_FOUND');
  });
});

describe('srcset', () => {
  it('GET /v1/properties/:id and search carry srcset with the widths not larger than each photo', async () => {
    const propertyId = await photoListing();
    const big = await uploadPhoto(propertyId, photo(), admin.token);
    const small = await uploadPhoto(propertyId, metadataFixture('webp-exif-xmp-40x30.webp'), admin.token);
    const url = (id: string) => `${BASE}/v1/images/${id}`;
    const bigSet = [160, 320, 640, 1024].map((w) => `${url(big.id)}?w=${w} ${w}w`).join(', ');
    expect(big.srcset).toBe(bigSet);
    expect(small.srcset).toBe(`${url(small.id)} 40w`);
    const detail = await json<{ images: Array<{ id: string; srcset: string }> }>(
      await api(`/v1/properties/${propertyId}`),
    );
    expect(detail.images.map((i) => i.srcset)).toEqual([bigSet, `${url(small.id)} 40w`]);
    const search = await json<{ data: Array<{ id: string; coverImage: { srcset: string } | null }> }>(
      await api('/v1/properties?city=Imageton&limit=100'),
    );
    expect(search.data.find((l) => l.id === propertyId)?.coverImage?.srcset).toBe(bigSet);
  });
});

describe('GET /openapi.json', () => {
  it('GET /openapi.json describes w, its 422 and srcset', async () => {
    const doc = await json<{
      paths: Record<
        string,
        Record<
          string,
          { parameters: Array<{ name: string; schema: { enum?: string[] } }>; responses: Record<string, unknown> }
        >
      >;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    }>(await api('/openapi.json'));
    const get = doc.paths['/v1/images/{id}']?.get;
    expect(get?.parameters.find((p) => p.name === 'w')?.schema.enum).toEqual([
      '160',
      '320',
      '640',
      '1024',
      '1600',
      '2400',
    ]);
    expect(Object.keys(get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '304', '404', '422']));
    expect(doc.components.schemas.PropertyImage?.properties).toHaveProperty('srcset');
    expect(doc.components.schemas.PropertySummary?.properties).toHaveProperty('coverImage');
  });
});
