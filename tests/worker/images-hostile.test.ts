import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { propertyImages } from '../../src/db/schema';
import { crc32 } from '../../src/lib/crc32';
import { fixture } from '../fixtures/images/fixtures.generated';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { photoListing } from '../helpers/images';
import { createTestUser, type TestUser } from '../helpers/users';

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

const upload = (propertyId: string, body: BodyInit, headers: Record<string, string> = {}) =>
  api(`/v1/admin/properties/${propertyId}/images`, { method: 'POST', token: admin.token, body, headers });

const rowsOf = (propertyId: string) =>
  testDb().select().from(propertyImages).where(eq(propertyImages.propertyId, propertyId));

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
const u32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const ascii = (s: string) => new TextEncoder().encode(s);

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = concat(ascii(type), data);
  return concat(u32(data.length), body, u32(crc32(body)));
}

/** A real PNG of zero pixels: every row a filter byte and zeros, deflated (what a decoder would inflate). */
async function zeroPng(width: number, height: number, colorType: number, channels: number): Promise<Uint8Array> {
  const row = new Uint8Array(1 + width * channels);
  const stream = new CompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const compressed = new Response(stream.readable).arrayBuffer();
  const rowsPerWrite = 64;
  const block = new Uint8Array(row.length * rowsPerWrite);
  for (let y = 0; y < height; y += rowsPerWrite) {
    await writer.write(y + rowsPerWrite <= height ? block : new Uint8Array(row.length * (height - y)));
  }
  await writer.close();
  const ihdr = concat(u32(width), u32(height), new Uint8Array([8, colorType, 0, 0, 0]));
  return concat(
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', new Uint8Array(await compressed)),
    pngChunk('IEND', new Uint8Array()),
  );
}

/** The baseline JPEG fixture with a second frame header (SOF0) of other dimensions before its scan. */
function jpegWithTwoFrames(): Uint8Array {
  const jpeg = fixture('jpeg-baseline-40x30.jpg');
  let sos = -1;
  for (let i = 2; i < jpeg.length - 1; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === 0xda) {
      sos = i;
      break;
    }
  }
  // SOF0: length 17, 8-bit, 3000 x 4000, 3 components (same tables as the real frame).
  const sof = concat(
    new Uint8Array([0xff, 0xc0]),
    u16(17),
    new Uint8Array([8]),
    u16(3000),
    u16(4000),
    new Uint8Array([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]),
  );
  return concat(jpeg.subarray(0, sos), sof, jpeg.subarray(sos));
}

/** The baseline JPEG fixture carrying markup in a comment segment (COM) right after SOI. */
function jpegWithComment(text: string): Uint8Array {
  const jpeg = fixture('jpeg-baseline-40x30.jpg');
  const comment = ascii(text);
  return concat(jpeg.subarray(0, 2), new Uint8Array([0xff, 0xfe]), u16(comment.length + 2), comment, jpeg.subarray(2));
}

describe('POST /v1/admin/properties/:id/images against crafted files', () => {
  it('POST /v1/admin/properties/:id/images refuses a JPEG with two frame headers (ambiguous size) with a 415', async () => {
    const propertyId = await photoListing();
    await expectProblem(await upload(propertyId, jpegWithTwoFrames()), 415, 'UNSUPPORTED_IMAGE');
    expect(await rowsOf(propertyId)).toEqual([]);
  });

  it('POST /v1/admin/properties/:id/images refuses a 49-megapixel zero-filled RGBA PNG (decompression bomb) with a 413', async () => {
    const propertyId = await photoListing();
    const bomb = await zeroPng(7000, 7000, 6, 4);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expectProblem(await upload(propertyId, bomb), 413, 'IMAGE_TOO_MANY_PIXELS');
    expect(await rowsOf(propertyId)).toEqual([]);
  });

  it('POST /v1/admin/properties/:id/images still takes a photo whose decoded size fits', async () => {
    const propertyId = await photoListing();
    const res = await upload(propertyId, await zeroPng(2000, 1500, 2, 3));
    expect(res.status).toBe(201);
    expect(await json<{ width: number; height: number }>(res)).toMatchObject({ width: 2000, height: 1500 });
  });

  it('POST /v1/admin/properties/:id/images stores the sniffed type, whatever name and Content-Type the client claims', async () => {
    const propertyId = await photoListing();
    const form = new FormData();
    form.append('file', new File([fixture('png-7x5.png')], 'page.html', { type: 'text/html' }));
    const res = await upload(propertyId, form);
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    const served = await api(`/v1/images/${id}`);
    expect(served.headers.get('Content-Type')).toBe('image/png');
    await served.arrayBuffer();
  });

  it('POST /v1/admin/properties/:id/images refuses markup named and typed as an image with a 415', async () => {
    const propertyId = await photoListing();
    const page = ascii('<!doctype html><img src=x onerror=alert(document.domain)>');
    const form = new FormData();
    form.append('file', new File([page], 'photo.png', { type: 'image/png' }));
    await expectProblem(await upload(propertyId, form), 415, 'UNSUPPORTED_IMAGE');
    await expectProblem(await upload(propertyId, page, { 'Content-Type': 'image/jpeg' }), 415, 'UNSUPPORTED_IMAGE');
    expect(await rowsOf(propertyId)).toEqual([]);
  });

  it('GET /v1/images/:id serves a valid JPEG carrying markup only as an inert image', async () => {
    const propertyId = await photoListing();
    const res = await upload(propertyId, jpegWithComment('<img src=x onerror=alert(document.domain)>'), {
      'Content-Type': 'text/html',
    });
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    const served = await api(`/v1/images/${id}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('Content-Type')).toBe('image/jpeg');
    expect(served.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(served.headers.get('Content-Security-Policy')).toMatch(/default-src 'none'/);
    expect(served.headers.get('Content-Security-Policy')).toMatch(/\bsandbox\b/);
    await served.arrayBuffer();
  });
});
