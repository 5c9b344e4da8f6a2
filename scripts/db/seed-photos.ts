import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { crc32 } from '../../src/lib/crc32';

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export interface PngOptions {
  /** 8 (RGB, default) or 1 (black and white, for huge-but-tiny test files). */
  bitDepth?: 1 | 8;
}

/** A valid PNG from a pixel callback (RGB), encoded with node:zlib. */
export function encodePng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
  options: PngOptions = {},
): Buffer {
  const bitDepth = options.bitDepth ?? 8;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = bitDepth === 8 ? 2 : 0; // truecolour, or greyscale for 1 bit
  const rowBytes = bitDepth === 8 ? width * 3 : Math.ceil(width / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  if (bitDepth === 8) {
    for (let y = 0; y < height; y++) {
      const row = y * (rowBytes + 1);
      for (let x = 0; x < width; x++) {
        const [r, g, b] = pixel(x, y);
        raw[row + 1 + x * 3] = r;
        raw[row + 2 + x * 3] = g;
        raw[row + 3 + x * 3] = b;
      }
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** A soft two-colour gradient with a "window" grid: recognisable, tiny, different per seed. */
export function listingPhoto(seed: number, width = 320, height = 213): Buffer {
  const hue = (seed * 47) % 360;
  const base = hslToRgb(hue, 0.45, 0.55);
  const sky = hslToRgb((hue + 180) % 360, 0.5, 0.8);
  return encodePng(width, height, (x, y) => {
    if (y < height * 0.35) return sky;
    const inWindow = (x % 40 > 10 && x % 40 < 28 && y % 36 > 8 && y % 36 < 26) || false;
    const shade = 1 - (y / height) * 0.3;
    const [r, g, b] = inWindow ? [240, 230, 170] : base;
    return [Math.round(r * shade), Math.round(g * shade), Math.round(b * shade)];
  });
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/** Stores one object in R2 (or Miniflare's local R2): `(key, bytes, contentType)`. */
export type R2PutObject = (key: string, bytes: Uint8Array, contentType: string) => Promise<void>;

export interface SeedPhotosReport {
  listingsWithNewPhotos: number;
  photosInserted: number;
}

/**
 * Gives every seeded listing that has no photo yet 1 to 4 generated PNGs. Idempotent: listings
 * that already have a photo are left alone. The object is stored first and the row second,
 * like the upload route, so a failure leaves at worst an orphan object for the nightly job.
 */
export async function seedPhotos(databaseUrl: string, putObject: R2PutObject): Promise<SeedPhotosReport> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; title: string }>(
      `select p.id, p.title from properties p
        where not exists (select 1 from property_images i where i.property_id = p.id)
        order by p.created_at, p.id`,
    );
    let photosInserted = 0;
    for (const [index, listing] of rows.entries()) {
      const count = 1 + (index % 4);
      for (let n = 0; n < count; n++) {
        const id = uuidv7();
        const key = `properties/${listing.id}/${id}`;
        const bytes = listingPhoto(index * 4 + n);
        await putObject(key, bytes, 'image/png');
        await client.query(
          `insert into property_images
             (id, property_id, r2_key, content_type, byte_size, width, height, sha256, alt_text, sort_order, is_cover)
           values ($1, $2, $3, 'image/png', $4, 320, 213, $5, $6, $7, $8)`,
          [
            id,
            listing.id,
            key,
            bytes.length,
            createHash('sha256').update(bytes).digest('hex'),
            `${listing.title} — photo ${n + 1}`.slice(0, 300),
            n,
            n === 0,
          ],
        );
        photosInserted++;
      }
    }
    return { listingsWithNewPhotos: rows.length, photosInserted };
  } finally {
    await client.end();
  }
}

/**
 * An R2PutObject writing into the local R2 that `wrangler dev` uses (its persistence under
 * `.wrangler/state/v3`), through wrangler's own getPlatformProxy so the format always matches.
 * Call it before `wrangler dev` starts (both would own the same local files).
 */
export async function localR2PutObject(
  configPath: string,
): Promise<{ put: R2PutObject; dispose: () => Promise<void> }> {
  const { getPlatformProxy } = await import('wrangler');
  // The same directory `wrangler dev` persists to, next to wrangler.toml (not the cwd).
  const persistTo = `${dirname(configPath)}/.wrangler/state/v3`;
  const proxy = await getPlatformProxy<{ IMAGES: R2Bucket }>({ configPath, persist: { path: persistTo } });
  return {
    put: async (key, bytes, contentType) => {
      // A plain ArrayBuffer: the platform proxy cannot serialise a Node Buffer.
      const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      await proxy.env.IMAGES.put(key, body, {
        httpMetadata: { contentType, cacheControl: 'public, max-age=31536000, immutable' },
      });
    },
    dispose: () => proxy.dispose(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set.');
    process.exit(2);
  }
  const r2 = await localR2PutObject(fileURLToPath(new URL('../../wrangler.toml', import.meta.url)));
  try {
    const report = await seedPhotos(url, r2.put);
    console.log(`Seeded ${report.photosInserted} photos for ${report.listingsWithNewPhotos} listings.`);
  } finally {
    await r2.dispose();
  }
}
