import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { propertyImages } from '../../src/db/schema';
import { metadataIn } from '../../src/lib/image-metadata';
import { sniffImage } from '../../src/lib/image-sniff';
import { type MetadataFixtureName, metadataFixture, SECRET } from '../fixtures/images/metadata.generated';
import { api, expectProblem } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testDb } from '../helpers/db';
import { bucket, contains, decoded, decodePng, photoListing, transforms, uploadPhoto } from '../helpers/images';
import { createTestUser, type TestUser } from '../helpers/users';

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

async function stored(imageId: string): Promise<Uint8Array> {
  const [row] = await testDb().select().from(propertyImages).where(eq(propertyImages.id, imageId));
  const object = await bucket.get(row?.r2Key as string);
  return new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
}

const cases: Array<[MetadataFixtureName, string, number, number, string[]]> = [
  // Stored 64x48 with Orientation 6: kept as the viewer saw it, 48x64.
  [
    'jpeg-exif-gps-rotated-64x48.jpg',
    'image/jpeg',
    48,
    64,
    ['APP1 Exif', 'APP1 http://ns.ad', 'COM', 'APP13 Photoshop'],
  ],
  ['png-text-exif-40x30.png', 'image/png', 40, 30, ['tEXt', 'iTXt', 'eXIf']],
  ['webp-exif-xmp-40x30.webp', 'image/webp', 40, 30, ['EXIF', 'XMP']],
  ['avif-exif-32x24.avif', 'image/avif', 32, 24, ['Exif']],
];

describe('POST /v1/admin/properties/:id/images strips metadata', () => {
  for (const [name, type, width, height, kinds] of cases) {
    it(`POST /v1/admin/properties/:id/images stores ${name} without its EXIF, GPS, XMP and text`, async () => {
      const bytes = metadataFixture(name);
      const found = metadataIn(bytes, type as 'image/jpeg');
      for (const kind of kinds) expect(found.some((f) => f.startsWith(kind))).toBe(true);
      expect(contains(bytes, SECRET)).toBe(true);

      const propertyId = await photoListing();
      const image = await uploadPhoto(propertyId, bytes, admin.token);
      expect(image).toMatchObject({ width, height });
      const kept = await stored(image.id);
      const sniffed = sniffImage(kept);
      expect(sniffed.ok && sniffed.image).toMatchObject({ contentType: type, width, height });
      expect(metadataIn(kept, type as 'image/jpeg')).toEqual([]);
      expect(contains(kept, SECRET)).toBe(false);
      expect(contains(kept, 'FixtureCam')).toBe(false);
      // What the binding itself reads from the stored bytes agrees.
      expect(await transforms.info(new Blob([kept]).stream())).toMatchObject({ format: type, width, height });

      // And what visitors download: the original and a variant.
      const original = await api(`/v1/images/${image.id}`);
      expect(original.status).toBe(200);
      expect(contains(new Uint8Array(await original.arrayBuffer()), SECRET)).toBe(false);
      const variant = await decoded(await api(`/v1/images/${image.id}?w=160`, { headers: { Accept: 'image/webp' } }));
      expect(variant.type).toBe('image/webp');
      expect(metadataIn(variant.bytes, 'image/webp')).toEqual([]);
      expect(contains(variant.bytes, SECRET)).toBe(false);
    });
  }

  it('POST /v1/admin/properties/:id/images turns a JPEG tagged "rotate 90" clockwise into its pixels', async () => {
    const propertyId = await photoListing();
    const image = await uploadPhoto(propertyId, metadataFixture('jpeg-exif-gps-rotated-64x48.jpg'), admin.token);
    const png = await transforms.input(new Blob([await stored(image.id)]).stream()).output({ format: 'image/png' });
    const { width, height, pixel } = await decodePng(new Uint8Array(await png.response().arrayBuffer()));
    expect([width, height]).toEqual([48, 64]);
    // Stored: warm left half, cool right half, a light band on top. Turned clockwise: warm on
    // top, cool below, the light band on the right.
    const [r1 = 0, , b1 = 0] = pixel(10, 8);
    const [r2 = 0, , b2 = 0] = pixel(10, 56);
    const light = pixel(46, 32);
    expect(r1).toBeGreaterThan(b1 + 80);
    expect(b2).toBeGreaterThan(r2 + 80);
    for (const channel of light) expect(channel).toBeGreaterThan(200);
  });

  it('POST /v1/admin/properties/:id/images stores nothing when the orientation cannot be applied (503, no object, no row)', async () => {
    const propertyId = await photoListing();
    const broken = {
      input: () => {
        throw Object.assign(new Error('IMAGES_TRANSFORM_ERROR 9523: service unavailable'), { code: 9523 });
      },
      info: () => Promise.reject(new Error('down')),
    } as unknown as ImagesBinding;
    const { response } = await callApp(createApp(), `/v1/admin/properties/${propertyId}/images`, {
      method: 'POST',
      token: admin.token,
      body: metadataFixture('jpeg-exif-gps-rotated-64x48.jpg'),
      headers: { 'Content-Type': 'application/octet-stream' },
      bindings: { IMAGE_TRANSFORMS: broken },
    });
    await expectProblem(response, 503, 'IMAGE_PROCESSING_UNAVAILABLE');
    expect(response.headers.get('Retry-After')).toBe('30');
    expect((await bucket.list({ prefix: `properties/${propertyId}/` })).objects).toEqual([]);
    expect(await testDb().select().from(propertyImages).where(eq(propertyImages.propertyId, propertyId))).toEqual([]);
  });

  it('POST /v1/admin/properties/:id/images strips a photo without orientation with no re-encode at all', async () => {
    const propertyId = await photoListing();
    const never = {
      input: () => {
        throw new Error('must not be called');
      },
    } as unknown as ImagesBinding;
    const bytes = metadataFixture('png-text-exif-40x30.png');
    const { response } = await callApp(createApp(), `/v1/admin/properties/${propertyId}/images`, {
      method: 'POST',
      token: admin.token,
      body: bytes,
      headers: { 'Content-Type': 'application/octet-stream' },
      bindings: { IMAGE_TRANSFORMS: never },
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const kept = await stored(id);
    // Same pixels, fewer chunks: the image data is byte for byte the upload's.
    expect(kept.length).toBeLessThan(bytes.length);
    expect(contains(kept, SECRET)).toBe(false);
  });
});
