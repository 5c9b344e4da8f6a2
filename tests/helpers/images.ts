import { env } from 'cloudflare:test';
import { v7 as uuidv7 } from 'uuid';
import type { ListingStatus } from '../../src/db/enums';
import { properties } from '../../src/db/schema';
import { sniffImage } from '../../src/lib/image-sniff';
import { api } from './api';
import { testDb } from './db';

export const bucket = (env as unknown as { IMAGES: R2Bucket }).IMAGES;
export const transforms = (env as unknown as { IMAGE_TRANSFORMS: ImagesBinding }).IMAGE_TRANSFORMS;

export async function photoListing(status: ListingStatus = 'active'): Promise<string> {
  const id = uuidv7();
  await testDb()
    .insert(properties)
    .values({
      id,
      slug: `variants-${id}`,
      title: 'Variant test home',
      propertyType: 'house',
      listingType: 'sale',
      status,
      price: 1000,
      addressLine1: '1 Pixel Way',
      city: 'Imageton',
      country: 'US',
      ...(status === 'active' ? { publishedAt: new Date() } : {}),
    });
  return id;
}

export interface UploadedPhoto {
  id: string;
  url: string;
  srcset: string;
  width: number;
  height: number;
}

export async function uploadPhoto(propertyId: string, bytes: Uint8Array, token: string): Promise<UploadedPhoto> {
  const res = await api(`/v1/admin/properties/${propertyId}/images`, {
    method: 'POST',
    token,
    body: bytes,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return (await res.json()) as UploadedPhoto;
}

/** Type and dimensions of an answer, read from its bytes. */
export async function decoded(
  res: Response,
): Promise<{ type: string; width: number; height: number; bytes: Uint8Array }> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) throw new Error(`not an image: ${sniffed.reason}`);
  return { type: sniffed.image.contentType, width: sniffed.image.width, height: sniffed.image.height, bytes };
}

export const contains = (bytes: Uint8Array, text: string) => new TextDecoder('latin1').decode(bytes).includes(text);

/**
 * Pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what the Images binding writes), for
 * tests that must see which way a picture turned.
 */
export async function decodePng(
  png: Uint8Array,
): Promise<{ width: number; height: number; pixel: (x: number, y: number) => number[] }> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const channels = png[25] === 6 ? 4 : png[25] === 2 ? 3 : 0;
  if (png[24] !== 8 || channels === 0 || png[28] !== 0) throw new Error('decodePng: only 8-bit RGB(A), not interlaced');
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos + 12 <= png.length; ) {
    const length = view.getUint32(pos);
    if (String.fromCharCode(...png.subarray(pos + 4, pos + 8)) === 'IDAT')
      idat.push(png.subarray(pos + 8, pos + 8 + length));
    pos += 12 + length;
  }
  const raw = new Uint8Array(
    await new Response(new Blob(idat).stream().pipeThrough(new DecompressionStream('deflate'))).arrayBuffer(),
  );
  const stride = width * channels;
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i] ?? 0;
      const a = i >= channels ? (out[y * stride + i - channels] ?? 0) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + i] ?? 0) : 0;
      const c = y > 0 && i >= channels ? (out[(y - 1) * stride + i - channels] ?? 0) : 0;
      let v = x;
      if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      out[y * stride + i] = v & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => [...out.subarray(y * stride + x * channels, y * stride + x * channels + 3)],
  };
}
