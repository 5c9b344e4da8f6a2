/**
 * The photo benchmark: what a visitor downloads for one search page of cards at `w=320` WebP
 * against the originals, how long a variant takes the first time (made through the Images
 * binding, Sharp under wrangler dev) and once stored in R2, and the upload with its metadata
 * stripping. Runs against the Worker of the bench's stack, in a listing of its own that it
 * deletes at the end.
 */
import { createRequire } from 'node:module';
import { type Percentiles, percentiles } from './load-types';

const require = createRequire(import.meta.url);

export interface PhotoBenchReport {
  photo: { width: number; height: number; bytes: number };
  uploads: number;
  uploadMs: Percentiles;
  /** One search page: `cards` cover photos, originals against `w=320` WebP. */
  page: { cards: number; originalBytes: number; variantBytes: number; ratio: number };
  /** First request of a width and format: read the original, transform, store. */
  coldMs: Percentiles;
  /** Later requests of a visitor: this location's edge cache, no database, no R2. */
  cachedMs: Percentiles;
  /** Later requests of a signed-in caller (never from the edge cache): the row lookup and the stored variant from R2. */
  storedMs: Percentiles;
  /** `GET /health` in the same run, the floor a cached variant is compared with. */
  healthMs: Percentiles;
}

/**
 * A photograph-like JPEG: sky and ground gradients, a few houses and windows, mild noise, at
 * quality 92 (a camera's default range). 4000x3000 comes out at 3–5 MB. Pure noise would not
 * compress like a photo, flat colour far better.
 */
export async function realisticPhotoJpeg(width = 4000, height = 3000): Promise<Buffer> {
  const sharp = require('sharp') as typeof import('sharp').default;
  const raw = Buffer.alloc(width * height * 3);
  let seed = 12345;
  const horizon = Math.round(height * 0.55);
  const houses = Array.from({ length: 7 }, (_, i) => ({
    x: Math.round((i + 0.2) * (width / 7)),
    w: Math.round(width / 9),
    h: Math.round(height * (0.18 + ((i * 37) % 10) / 60)),
    colour: [150 + ((i * 40) % 90), 90 + ((i * 70) % 100), 60 + ((i * 20) % 80)],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noise = (seed % 21) - 10;
      let r: number;
      let g: number;
      let b: number;
      if (y < horizon) {
        const t = y / horizon;
        r = 90 + 110 * t + 20 * Math.sin(x / 300);
        g = 140 + 80 * t;
        b = 230 - 30 * t;
      } else {
        const t = (y - horizon) / (height - horizon);
        r = 60 + 50 * t + 25 * Math.sin((x + y) / 90);
        g = 120 + 40 * Math.sin(x / 500) - 30 * t;
        b = 50 + 20 * t;
      }
      for (const house of houses) {
        if (x >= house.x && x < house.x + house.w && y < horizon + 40 && y >= horizon + 40 - house.h) {
          const window = (x - house.x) % 120 < 50 && (y - horizon) % 140 < 60;
          [r, g, b] = window ? [60, 80, 110] : (house.colour as [number, number, number]);
          r += 15 * Math.sin(y / 7);
        }
      }
      const o = (y * width + x) * 3;
      raw[o] = Math.max(0, Math.min(255, r + noise));
      raw[o + 1] = Math.max(0, Math.min(255, g + noise));
      raw[o + 2] = Math.max(0, Math.min(255, b + noise));
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

interface PhotoBenchOptions {
  baseUrl: string;
  adminToken: string;
  photo: Buffer;
  /** Photos uploaded (and cards on the page): 20 for a search page. */
  photos: number;
  /** Requests for stored variants. */
  storedRequests: number;
  log: (line: string) => void;
}

const WEBP = { accept: 'image/webp,image/*;q=0.8' };

async function timed(
  url: string,
  init: RequestInit = {},
): Promise<{ ms: number; bytes: number; res: Response; body: ArrayBuffer }> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  const body = await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (!res.ok)
    throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${new TextDecoder().decode(body).slice(0, 200)}`);
  return { ms, bytes: body.byteLength, res, body };
}

export async function runPhotoBench(options: PhotoBenchOptions): Promise<PhotoBenchReport> {
  const { baseUrl, adminToken, photo, log } = options;
  const admin = { authorization: `Bearer ${adminToken}` };
  const created = await timed(`${baseUrl}/v1/admin/properties`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: `Bench photo listing ${Date.now()}`,
      description: 'Photos for the variant benchmark.',
      propertyType: 'house',
      listingType: 'sale',
      price: 50_000_000,
      currency: 'USD',
      bedrooms: 3,
      bathrooms: 2,
      address: { line1: '1 Bench Road', city: 'Benchville', region: 'TX', postalCode: '78701', country: 'US' },
    }),
  });
  const listing = (JSON.parse(new TextDecoder().decode(created.body)) as { id: string }).id;
  try {
    const uploadMs: number[] = [];
    const ids: string[] = [];
    log(`photos: uploading ${options.photos} × ${(photo.length / 1e6).toFixed(1)} MB …`);
    for (let i = 0; i < options.photos; i++) {
      const t0 = performance.now();
      const res = await fetch(`${baseUrl}/v1/admin/properties/${listing}/images`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'image/jpeg' },
        body: photo,
      });
      const body = (await res.json()) as { id?: string };
      uploadMs.push(performance.now() - t0);
      if (res.status !== 201 || !body.id) throw new Error(`photo upload: ${res.status} ${JSON.stringify(body)}`);
      ids.push(body.id);
    }
    await timed(`${baseUrl}/v1/admin/properties/${listing}/status`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'active' }),
    });

    log('photos: one search page, originals against w=320 WebP, and cold variants …');
    let originalBytes = 0;
    let variantBytes = 0;
    const coldMs: number[] = [];
    for (const id of ids) {
      originalBytes += (await timed(`${baseUrl}/v1/images/${id}`)).bytes;
      const card = await timed(`${baseUrl}/v1/images/${id}?w=320`, { headers: WEBP });
      if (card.res.headers.get('content-type') !== 'image/webp') throw new Error('w=320 did not answer WebP');
      variantBytes += card.bytes;
      coldMs.push(card.ms);
      for (const w of [640, 1024])
        coldMs.push((await timed(`${baseUrl}/v1/images/${id}?w=${w}`, { headers: WEBP })).ms);
    }
    // The stored copies are written after the response (waitUntil): give R2 a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cachedMs: number[] = [];
    const storedMs: number[] = [];
    const healthMs: number[] = [];
    for (let i = 0; i < options.storedRequests; i++) {
      const id = ids[i % ids.length] as string;
      const hit = await timed(`${baseUrl}/v1/images/${id}?w=320`, { headers: WEBP });
      if (hit.res.headers.get('x-cache') !== 'HIT')
        throw new Error("a visitor's repeated variant missed the edge cache");
      cachedMs.push(hit.ms);
      const stored = await timed(`${baseUrl}/v1/images/${id}?w=320`, { headers: { ...WEBP, ...admin } });
      if (stored.res.headers.get('x-image-variant') !== 'stored') throw new Error('a repeated variant was made again');
      storedMs.push(stored.ms);
      healthMs.push((await timed(`${baseUrl}/health`)).ms);
    }
    return {
      photo: { width: 4000, height: 3000, bytes: photo.length },
      uploads: ids.length,
      uploadMs: percentiles(uploadMs),
      page: { cards: ids.length, originalBytes, variantBytes, ratio: originalBytes / Math.max(1, variantBytes) },
      coldMs: percentiles(coldMs),
      cachedMs: percentiles(cachedMs),
      storedMs: percentiles(storedMs),
      healthMs: percentiles(healthMs),
    };
  } finally {
    await fetch(`${baseUrl}/v1/admin/properties/${listing}`, { method: 'DELETE', headers: admin }).catch(
      () => undefined,
    );
  }
}
