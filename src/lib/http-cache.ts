/** ETags, conditional requests and the Workers Cache API in front of public reads. */

import { sha256, toHex } from './encoding';
import { MemoryCache } from './memory-cache';

export const PUBLIC_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300';
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** A photo's original standing in for a variant that could not be made: cached briefly, so a retry comes soon. */
export const FALLBACK_CACHE_CONTROL = 'public, max-age=60';
/** Staff viewing a draft's photo: never in a shared cache, revalidated by ETag. */
export const PRIVATE_CACHE_CONTROL = 'private, no-cache';

/** What `contentEtag` writes, for the document. */
export const CONTENT_ETAG_SCHEMA = { type: 'string' as const, pattern: '^"[0-9a-f]{32}"$', maxLength: 34 };
/** What `versionEtag` writes (a version is a positive int4), for the document. */
export const VERSION_ETAG_SCHEMA = { type: 'string' as const, pattern: '^"v[1-9][0-9]{0,9}"$', maxLength: 13 };

/** A strong ETag from the bytes of a representation (first 128 bits of SHA-256, hex). */
export async function contentEtag(body: string | Uint8Array): Promise<string> {
  return `"${toHex((await sha256(body)).subarray(0, 16))}"`;
}

/** The ETag of a versioned resource (used for If-Match on admin edits). */
export function versionEtag(version: number): string {
  return `"v${version}"`;
}

function tags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

const opaque = (tag: string) => tag.replace(/^W\//, '');

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2). */
export function ifNoneMatchHit(header: string | undefined | null, etag: string | null): boolean {
  if (!header || !etag) return false;
  const list = tags(header);
  return list.includes('*') || list.some((t) => opaque(t) === opaque(etag));
}

/**
 * The version an If-Match header names, `'*'`, `null` when absent, or `'invalid'`.
 * W/ is tolerated: a proxy that compresses responses (Cloudflare does) weakens ETags, and the
 * client must still be able to send back what it received.
 */
export const IF_MATCH_PATTERN = '^\\s*(?:\\*|(?:W/)?"v[1-9][0-9]{0,9}")\\s*$';

export function ifMatchVersion(header: string | undefined | null): number | '*' | null | 'invalid' {
  if (header === undefined || header === null || header.trim() === '') return null;
  const list = tags(header);
  if (list.includes('*')) return '*';
  const first = list.length === 1 ? /^"v([1-9][0-9]{0,9})"$/.exec(opaque(list[0] ?? '')) : null;
  return first?.[1] ? Number(first[1]) : 'invalid';
}

/**
 * The one URL a representation is cached under: `origin` + `path` and then only the
 * parameters named in `order`, in that order, each in its parsed (canonical) form. Anything
 * else a request carries (unknown parameters, their order, spelling variants, a fragment) never
 * makes a second entry, so it can neither keep a stale copy alive after a purge nor bypass the
 * cache to reach the database.
 */
export function canonicalCacheUrl(
  origin: string,
  path: string,
  params: Record<string, unknown> = {},
  order: readonly string[] = [],
): string {
  const search = new URLSearchParams();
  for (const name of order) {
    const value = params[name];
    if (value === undefined || value === null) continue;
    search.append(name, typeof value === 'object' ? Object.values(value).map(String).join(',') : String(value));
  }
  const query = search.toString();
  return `${origin}${path}${query ? `?${query}` : ''}`;
}

/** The edge cache, or null where the runtime has none (e.g. plain Node). */
export function edgeCache(): Cache | null {
  const storage = (globalThis as { caches?: CacheStorage & { default?: Cache } }).caches;
  return storage?.default ?? null;
}

/**
 * The representations of listing detail this isolate keeps in memory in front of the edge
 * cache (see `memoryTtlSeconds`). Bytes are counted as characters of body and headers.
 */
const memory = new MemoryCache<Representation>({ maxEntries: 500, maxBytes: 8 * 1024 * 1024 });

interface Representation {
  body: string;
  headers: Array<[string, string]>;
}

const sizeOf = (r: Representation) =>
  r.headers.reduce((n, [name, value]) => n + name.length + value.length, r.body.length);

const cacheKey = (keyUrl: string) => new Request(keyUrl, { method: 'GET' });

/**
 * Drops the representations cached under these canonical URLs (`canonicalCacheUrl`) from this
 * location's edge cache and from this isolate's memory. Other isolates keep their memory copy
 * until its TTL runs out.
 */
export async function purgeCachedPages(keyUrls: string[]): Promise<void> {
  for (const keyUrl of keyUrls) memory.delete(keyUrl);
  const cache = edgeCache();
  if (!cache) return;
  await Promise.all(keyUrls.map((keyUrl) => cache.delete(cacheKey(keyUrl)).catch(() => false)));
}

/** 304 for a representation whose ETag the client already has; keeps the caching headers. */
export function notModified(source: Response): Response {
  const headers = new Headers();
  for (const name of ['ETag', 'Cache-Control', 'Vary', 'Last-Modified']) {
    const value = source.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(null, { status: 304, headers });
}

export interface CachedBuild<T> {
  /** The representation, serialised here as JSON. */
  data: T;
  /** Extra headers stored with the representation (e.g. an id the handler needs on a hit). */
  headers?: Record<string, string>;
}

export interface EdgeCacheOptions {
  /**
   * Also keep the representation in this isolate's memory for this many seconds (0 or absent:
   * not at all). A memory hit costs no Cache API lookup; `X-Cache` says `HIT-MEMORY`.
   */
  memoryTtlSeconds?: number;
}

type CacheState = 'HIT-MEMORY' | 'HIT' | 'MISS';

/**
 * Serves a public JSON read through the edge cache under `keyUrl` (from `canonicalCacheUrl`,
 * never the request's own URL): a hit skips `build` (and the database);
 * a miss builds, answers, and stores the representation in the background. Either way an
 * If-None-Match naming the current ETag gets a 304. `X-Cache` says which it was: `HIT-MEMORY`,
 * `HIT` or `MISS`.
 */
export async function serveThroughEdgeCache<T>(
  request: Request,
  keyUrl: string,
  waitUntil: (promise: Promise<unknown>) => void,
  build: () => Promise<CachedBuild<T>>,
  options: EdgeCacheOptions = {},
): Promise<Response> {
  const memoryTtlMs = (options.memoryTtlSeconds ?? 0) * 1000;
  const remembered = memoryTtlMs > 0 ? memory.get(keyUrl) : undefined;
  let response: Response;
  let state: CacheState;
  if (remembered) {
    response = new Response(remembered.body, { status: 200, headers: remembered.headers });
    state = 'HIT-MEMORY';
  } else {
    const cache = edgeCache();
    const key = cacheKey(keyUrl);
    const hit = cache ? await cache.match(key).catch(() => undefined) : undefined;
    let body: string | null = null;
    if (hit) {
      // Kept in memory as text; otherwise streamed through as it comes.
      if (memoryTtlMs > 0) body = await hit.text();
      response = new Response(body ?? hit.body, hit);
      state = 'HIT';
    } else {
      const built = await build();
      body = JSON.stringify(built.data);
      const headers = new Headers(built.headers);
      headers.set('Content-Type', 'application/json; charset=utf-8');
      headers.set('Cache-Control', PUBLIC_CACHE_CONTROL);
      headers.set('ETag', await contentEtag(body));
      response = new Response(body, { status: 200, headers });
      if (cache) waitUntil(cache.put(key, response.clone()).catch(() => undefined));
      state = 'MISS';
    }
    if (memoryTtlMs > 0 && body !== null) {
      const representation = { body, headers: [...response.headers] };
      memory.set(keyUrl, representation, sizeOf(representation), memoryTtlMs);
    }
  }
  const out = ifNoneMatchHit(request.headers.get('If-None-Match'), response.headers.get('ETag'))
    ? notModified(response)
    : response;
  out.headers.set('X-Cache', state);
  for (const name of ['X-Property-Id']) {
    const value = response.headers.get(name);
    if (value) out.headers.set(name, value);
  }
  return out;
}
