/**
 * Photo variants: the widths a client may ask for, the format an `Accept` header gets, and
 * where each variant lives in R2. Pure functions; the I/O is in variant-store.ts.
 */

export const VARIANT_WIDTHS = [160, 320, 640, 1024, 1600, 2400] as const;
export type VariantWidth = (typeof VARIANT_WIDTHS)[number];

export const VARIANT_FORMATS = ['image/avif', 'image/webp', 'image/jpeg', 'image/png'] as const;
export type VariantFormat = (typeof VARIANT_FORMATS)[number];

const EXTENSION: Record<VariantFormat, string> = {
  'image/avif': 'avif',
  'image/webp': 'webp',
  'image/jpeg': 'jpg',
  'image/png': 'png',
};

/**
 * Part of every variant's key and ETag: bump it when the encoder settings change, so new
 * variants are made (old ones are left to the orphan sweep) and browsers revalidate.
 */
export const VARIANT_VERSION = 'v1';

/** Encoder quality per format (Cloudflare Images honours it; Miniflare's Sharp uses its defaults). */
export const VARIANT_QUALITY: Record<VariantFormat, number> = {
  'image/avif': 60,
  'image/webp': 75,
  'image/jpeg': 80,
  'image/png': 100,
};

/** The media types an Accept header names explicitly with a non-zero q (wildcards don't count). */
function accepted(accept: string | undefined | null): Set<string> {
  const out = new Set<string>();
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (type && !(q && Number(q.slice(2)) === 0)) out.add(type);
  }
  return out;
}

/**
 * AVIF, then WebP, when the client names them (browsers that decode them say so); otherwise
 * JPEG, or PNG for a photo that may be transparent.
 */
export function negotiateFormat(accept: string | undefined | null, hasAlpha: boolean): VariantFormat {
  const types = accepted(accept);
  if (types.has('image/avif')) return 'image/avif';
  if (types.has('image/webp')) return 'image/webp';
  return hasAlpha ? 'image/png' : 'image/jpeg';
}

/**
 * The width a variant is stored under: the requested one, except that every request at or
 * above the photo's own width shares one variant (never scaled up), stored under the smallest
 * listed width that covers the photo.
 */
export function storedWidth(requested: VariantWidth, imageWidth: number): VariantWidth {
  const covering = VARIANT_WIDTHS.find((w) => w >= imageWidth);
  return covering !== undefined && requested > covering ? covering : requested;
}

/** Under the original's key, so the orphan sweep ties each variant to its photo's row. */
export function variantKey(r2Key: string, width: VariantWidth, format: VariantFormat): string {
  return `${r2Key}/${VARIANT_VERSION}-w${width}.${EXTENSION[format]}`;
}

/** Every key a photo's variants can have (for deleting them with the photo, no list needed). */
export function allVariantKeys(r2Key: string): string[] {
  return VARIANT_WIDTHS.flatMap((w) => VARIANT_FORMATS.map((f) => variantKey(r2Key, w, f)));
}

const VARIANT_KEY = /^(.+)\/v[0-9]+-w[0-9]+\.(avif|webp|jpg|png)$/;

/** The original's key of a variant key, or null for a key that is not a variant's. */
export function originalKeyOf(key: string): string | null {
  return VARIANT_KEY.exec(key)?.[1] ?? null;
}

/** Strong: the original's digest, the encoder version, the width and the format fix the bytes. */
export function variantEtag(sha256: string, width: VariantWidth, format: VariantFormat): string {
  return `"${sha256.slice(0, 32)}-${VARIANT_VERSION}-w${width}-${EXTENSION[format]}"`;
}

/**
 * HTML `srcset` for a photo: each listed width not larger than the photo. A photo narrower than
 * the smallest width has none, so its original stands in at its own width.
 */
export function srcset(url: string, imageWidth: number): string {
  const widths = VARIANT_WIDTHS.filter((w) => w <= imageWidth);
  if (widths.length === 0) return `${url} ${imageWidth}w`;
  return widths.map((w) => `${url}?w=${w} ${w}w`).join(', ');
}
