import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { propertyImages } from '../../db/schema';
import { IMMUTABLE_CACHE_CONTROL } from '../../lib/http-cache';
import { metadataIn } from '../../lib/image-metadata';
import { sniffImage } from '../../lib/image-sniff';
import type { Logger } from '../../lib/logger';
import { VARIANT_QUALITY, type VariantFormat, type VariantWidth, variantKey } from './variants';

export interface VariantSource {
  id: string;
  r2Key: string;
  contentType: string;
}

export interface VariantDeps {
  bucket: R2Bucket;
  transforms: ImagesBinding;
  logger: Logger;
  /** Keeps the R2 write going after the response has left. */
  waitUntil: (promise: Promise<unknown>) => void;
}

export type VariantOutcome =
  /** `made`: transformed for this request (or one it joined); otherwise read from R2. */
  | { kind: 'variant'; body: ReadableStream | Uint8Array<ArrayBuffer>; size: number; made: boolean }
  /** The transform failed: the original's bytes, to be served as they are. */
  | { kind: 'fallback'; body: Uint8Array<ArrayBuffer>; contentType: string }
  /** No R2 object behind the row. */
  | { kind: 'missing' };

type Made = Exclude<VariantOutcome, { kind: 'variant'; body: ReadableStream }>;

/**
 * Variants being made in this isolate, by key: a request for a variant that is already being
 * made waits for that one instead of transforming again. Across isolates the R2 key is
 * deterministic and the bytes are the same, so a rare second write of one variant is harmless.
 */
const inFlight = new Map<string, Promise<Made>>();

async function make(deps: VariantDeps, image: VariantSource, key: string, width: VariantWidth, format: VariantFormat) {
  const original = await deps.bucket.get(image.r2Key);
  if (!original) return { kind: 'missing' } as const;
  const bytes = new Uint8Array(await original.arrayBuffer());
  try {
    const result = await deps.transforms
      .input(new Blob([bytes]).stream())
      .transform({ width, fit: 'scale-down' })
      .output({ format, quality: VARIANT_QUALITY[format] });
    const out = new Uint8Array(await new Response(result.image()).arrayBuffer());
    const sniffed = sniffImage(out);
    if (!sniffed.ok || sniffed.image.contentType !== format) throw new Error(`transform returned no ${format}`);
    // The original carries no metadata; an encoder must not add any back (e.g. a copyright EXIF).
    const residual = metadataIn(out, format);
    if (residual.length > 0) throw new Error(`transform added metadata: ${residual.join(', ')}`);
    const stored = deps.bucket
      .put(key, out, {
        httpMetadata: { contentType: format, cacheControl: IMMUTABLE_CACHE_CONTROL },
        customMetadata: { imageId: image.id, width: String(width) },
      })
      .catch((error: unknown) =>
        deps.logger.warn('image variant not stored; made again on the next request', {
          imageId: image.id,
          key,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    deps.waitUntil(stored);
    return { kind: 'variant', body: out, size: out.byteLength, made: true } as const;
  } catch (error) {
    deps.logger.warn('image variant failed; serving the original', {
      imageId: image.id,
      width,
      format,
      error: error instanceof Error ? error.message : String(error),
    });
    return { kind: 'fallback', body: bytes, contentType: image.contentType } as const;
  }
}

/**
 * A photo at `width` in `format`: from R2 when it was made before, else made from the original
 * through the Images binding, answered, and stored in R2 for every later request.
 */
export async function variantFor(
  deps: VariantDeps,
  image: VariantSource,
  width: VariantWidth,
  format: VariantFormat,
): Promise<VariantOutcome> {
  const key = variantKey(image.r2Key, width, format);
  const joined = inFlight.get(key);
  if (joined) return joined;
  const stored = await deps.bucket.get(key);
  if (stored) return { kind: 'variant', body: stored.body, size: stored.size, made: false };
  // Checked again: another request may have started making it while this one looked in R2.
  let making = inFlight.get(key);
  if (!making) {
    making = make(deps, image, key, width, format).finally(() => inFlight.delete(key));
    inFlight.set(key, making);
  }
  return making;
}

/**
 * Marks a row whose R2 object is gone, for the nightly orphan sweep to settle. The first
 * sighting counts; later ones change nothing.
 */
export async function flagMissingObject(db: Database, imageId: string): Promise<void> {
  await db
    .update(propertyImages)
    .set({ objectMissingAt: sql`now()` })
    .where(and(eq(propertyImages.id, imageId), isNull(propertyImages.objectMissingAt)));
}
