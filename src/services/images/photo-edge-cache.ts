import { edgeCache, IMMUTABLE_CACHE_CONTROL, ifNoneMatchHit, notModified } from '../../lib/http-cache';
import { negotiateFormat, VARIANT_WIDTHS } from './variants';

/**
 * How long a location's edge cache keeps a public photo answer. A listing that stops being
 * public has its photos refused to visitors within this, as its pages are (PUBLIC_CACHE_CONTROL);
 * visitors' browsers keep what they already have regardless (the photo is immutable to them).
 */
export const PHOTO_EDGE_SECONDS = 60;

/**
 * The one cache entry an anonymous photo request maps to: the image, the width asked for and
 * the format class its Accept negotiates (PNG or JPEG for a legacy client is the photo's own
 * business, decided when the entry is made). Anything else the request carries is no part of it.
 */
export function photoCacheKey(origin: string, imageId: string, width: number | undefined, accept: string | undefined) {
  const format = width === undefined ? 'original' : negotiateFormat(accept, false).replace('image/', '');
  return new Request(`${origin}/v1/images/${imageId.toLowerCase()}?w=${width ?? 'original'}&as=${format}`);
}

/** The formats an Accept header can negotiate to before the photo is known (see photoCacheKey). */
const ACCEPT_CLASSES = ['image/avif', 'image/webp', undefined] as const;

/**
 * Drops every answer this location's edge cache may hold for these photos (the original and
 * each width in each format class): a listing left the public statuses, or a photo was deleted.
 * Other locations let theirs expire within PHOTO_EDGE_SECONDS.
 */
export async function purgePhotos(origin: string, imageIds: readonly string[]): Promise<void> {
  const cache = edgeCache();
  if (!cache || imageIds.length === 0) return;
  const keys = imageIds.flatMap((id) => [
    photoCacheKey(origin, id, undefined, undefined),
    ...VARIANT_WIDTHS.flatMap((w) => ACCEPT_CLASSES.map((accept) => photoCacheKey(origin, id, w, accept))),
  ]);
  await Promise.all(keys.map((key) => cache.delete(key).catch(() => false)));
}

/** A cached photo answer for a client: its own immutable caching, or a 304 when it has the ETag. */
export async function cachedPhoto(key: Request, ifNoneMatch: string | undefined): Promise<Response | null> {
  const hit = await edgeCache()
    ?.match(key)
    .catch(() => undefined);
  if (!hit) return null;
  const response = new Response(hit.body, hit);
  response.headers.set('Cache-Control', IMMUTABLE_CACHE_CONTROL);
  response.headers.set('X-Cache', 'HIT');
  return ifNoneMatchHit(ifNoneMatch, response.headers.get('ETag')) ? notModified(response) : response;
}

/** Stores a copy of a public photo answer for PHOTO_EDGE_SECONDS, in the background. */
export function keepPhoto(key: Request, response: Response, waitUntil: (promise: Promise<unknown>) => void): void {
  const cache = edgeCache();
  if (!cache) return;
  const copy = new Response(response.clone().body, response);
  copy.headers.set('Cache-Control', `public, max-age=${PHOTO_EDGE_SECONDS}`);
  copy.headers.delete('X-Cache');
  waitUntil(cache.put(key, copy).catch(() => undefined));
}
