import type { ScenarioName } from './config';
import { BENCH_PASSWORD } from './dataset';
import { SEARCH_TERMS } from './dataset-vocabulary';
import type { LoadRequest } from './load-types';
import type { BenchSamples } from './samples';

export interface ScenarioContext {
  baseUrl: string;
  samples: BenchSamples;
  /** The 2 MB PNG the upload scenario sends. */
  uploadFile: string;
  /** A number never handed out before in this run: makes URLs, IPs and emails unique. */
  unique(): number;
  /** The next position in a pool of listings; runs continue where the last one stopped. */
  next(pool: 'public' | 'upload'): number;
  /** Fresh access tokens (they live 15 minutes, so they are fetched before each scenario). */
  token(who: 'admin' | 'user'): Promise<string>;
}

export interface Scenario {
  name: ScenarioName;
  title: string;
  /** The OpenAPI operation that must exist for the scenario to run. */
  route: { method: string; path: string };
  /** What one request is expected to answer. */
  status: number;
  /** Adds the bcrypt compare to the floor. */
  bcrypt?: boolean;
  /** Counted per response (the edge cache's HIT/MISS). */
  trackHeader?: string;
  /** How the edge cache is kept out of (or in) the measurement. */
  cacheNote?: string;
  /** Send the probe once before capturing it (so the capture sees an edge cache hit). */
  primeCapture?: boolean;
  /** `count` requests, in order; each call continues where the last one stopped. */
  requests(ctx: ScenarioContext, count: number): Promise<LoadRequest[]>;
}

/** Above every price the API accepts as real (1e14 is its maximum): filters nothing, busts the cache. */
const cacheBuster = (ctx: ScenarioContext) => 100_000_000_000_000 - ctx.unique();

/** One address per request from 198.18.0.0/15 (benchmarking range), so per-IP rate limits never trip. */
export function uniqueIp(n: number): string {
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
}

const json = (value: unknown) => JSON.stringify(value);
const times = <T>(count: number, make: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => make(i));

/** GET /v1/admin/dashboard?days=30 as an admin, `count` times. */
async function dashboardRequests(
  ctx: ScenarioContext,
  count: number,
  extra: Record<string, string>,
): Promise<LoadRequest[]> {
  const token = await ctx.token('admin');
  return times(count, () => ({
    method: 'GET',
    path: '/v1/admin/dashboard?days=30',
    headers: { authorization: `Bearer ${token}`, ...extra },
  }));
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'search',
    title: 'search: city + minBedrooms + maxPrice',
    route: { method: 'get', path: '/v1/properties' },
    status: 200,
    trackHeader: 'x-cache',
    cacheNote: 'every request has its own maxPrice (one cent apart), so every request misses the edge cache',
    async requests(ctx, count) {
      const cities = ctx.samples.topCities;
      return times(count, (i) => {
        const city = cities[i % cities.length]?.city ?? 'Austin';
        const maxPrice = 60_000_000 + ctx.unique();
        return {
          method: 'GET',
          path: `/v1/properties?city=${encodeURIComponent(city)}&minBedrooms=2&maxPrice=${maxPrice}`,
        };
      });
    },
  },
  {
    name: 'search-fulltext',
    title: 'full-text search (q=)',
    route: { method: 'get', path: '/v1/properties' },
    status: 200,
    trackHeader: 'x-cache',
    cacheNote: 'maxPrice above every price, different per request: filters nothing, misses the edge cache',
    async requests(ctx, count) {
      return times(count, (i) => ({
        method: 'GET',
        path: `/v1/properties?q=${encodeURIComponent(SEARCH_TERMS[i % SEARCH_TERMS.length] ?? 'garden')}&maxPrice=${cacheBuster(ctx)}`,
      }));
    },
  },
  {
    name: 'search-geo',
    title: 'geo search (near, radiusKm=5, sort=distance)',
    route: { method: 'get', path: '/v1/properties' },
    status: 200,
    trackHeader: 'x-cache',
    cacheNote:
      'the centre moves by 0.1 m steps within about 1 km of a busy city centre: every request misses the edge cache',
    async requests(ctx, count) {
      const cities = ctx.samples.topCities;
      return times(count, (i) => {
        const c = cities[i % cities.length] ?? { lat: 30.2672, lng: -97.7431 };
        const n = ctx.unique();
        // 1e-6 degrees is about 0.1 m: a million distinct centres, none more than ~1.5 km off.
        const lat = c.lat + (n % 10_000) * 1e-6;
        const lng = c.lng + (Math.floor(n / 10_000) % 100) * 1e-6;
        return {
          method: 'GET',
          path: `/v1/properties?near=${lat.toFixed(6)},${lng.toFixed(6)}&radiusKm=5&sort=distance`,
        };
      });
    },
  },
  {
    name: 'detail-cold',
    title: 'listing detail, edge cache miss',
    route: { method: 'get', path: '/v1/properties/{idOrSlug}' },
    status: 200,
    trackHeader: 'x-cache',
    cacheNote: 'a different listing per request, never repeated in a run while the dataset has enough listings',
    async requests(ctx, count) {
      const ids = ctx.samples.publicIds;
      return times(count, () => {
        const id = ids[ctx.next('public') % ids.length];
        return { method: 'GET', path: `/v1/properties/${id}` };
      });
    },
  },
  {
    name: 'detail-cached',
    title: 'listing detail, edge cache hit',
    route: { method: 'get', path: '/v1/properties/{idOrSlug}' },
    status: 200,
    trackHeader: 'x-cache',
    cacheNote: 'the same listing every time; the warm-up puts it in the cache',
    primeCapture: true,
    async requests(ctx, count) {
      const id = ctx.samples.publicIds.at(-1);
      return times(count, () => ({ method: 'GET', path: `/v1/properties/${id}` }));
    },
  },
  {
    name: 'facets',
    title: 'facets of the whole public catalogue',
    route: { method: 'get', path: '/v1/properties/facets' },
    status: 200,
    trackHeader: 'x-cache',
    cacheNote: 'maxPrice above every price, different per request: filters nothing, misses the edge cache',
    async requests(ctx, count) {
      return times(count, () => ({ method: 'GET', path: `/v1/properties/facets?maxPrice=${cacheBuster(ctx)}` }));
    },
  },
  {
    name: 'login',
    title: 'login (bcrypt cost 10)',
    route: { method: 'post', path: '/v1/auth/login' },
    status: 200,
    bcrypt: true,
    async requests(ctx, count) {
      const users = Math.max(1, ctx.samples.loginUsers);
      return times(count, () => {
        const n = ctx.unique();
        return {
          method: 'POST',
          path: '/v1/auth/login',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': uniqueIp(n) },
          body: json({ email: `user${1 + (n % users)}@bench.example`, password: BENCH_PASSWORD, deviceName: 'bench' }),
        };
      });
    },
  },
  {
    name: 'me',
    title: 'GET /v1/me (JWT + session check)',
    route: { method: 'get', path: '/v1/me' },
    status: 200,
    async requests(ctx, count) {
      const token = await ctx.token('user');
      return times(count, () => ({ method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${token}` } }));
    },
  },
  {
    name: 'inquiry',
    title: 'inquiry submission',
    route: { method: 'post', path: '/v1/inquiries' },
    status: 201,
    async requests(ctx, count) {
      const ids = ctx.samples.publicIds;
      return times(count, () => {
        const n = ctx.unique();
        return {
          method: 'POST',
          path: '/v1/inquiries',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': uniqueIp(n) },
          body: json({
            propertyId: ids[n % ids.length],
            name: 'Bench Visitor',
            email: `visitor${n}@example.com`,
            message: 'Hello, is this listing still available? I would like to arrange a viewing next week.',
          }),
        };
      });
    },
  },
  {
    name: 'upload',
    title: 'photo upload, 2 MB PNG',
    route: { method: 'post', path: '/v1/admin/properties/{id}/images' },
    status: 201,
    async requests(ctx, count) {
      const token = await ctx.token('admin');
      const ids = ctx.samples.uploadIds;
      return times(count, () => {
        // Round robin over the empty drafts: a listing holds at most 50 photos.
        const id = ids[ctx.next('upload') % ids.length];
        return {
          method: 'POST',
          path: `/v1/admin/properties/${id}/images`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
          bodyFile: ctx.uploadFile,
        };
      });
    },
  },
  {
    name: 'dashboard',
    title: 'admin dashboard, 30 days (stored figures, at most 60 s old)',
    route: { method: 'get', path: '/v1/admin/dashboard' },
    status: 200,
    // The first read of a window counts and stores it; the capture must see what the runs see.
    primeCapture: true,
    requests: (ctx, count) => dashboardRequests(ctx, count, {}),
  },
  {
    name: 'dashboard-fresh',
    title: 'admin dashboard, 30 days, counted now (Cache-Control: no-cache)',
    route: { method: 'get', path: '/v1/admin/dashboard' },
    status: 200,
    requests: (ctx, count) => dashboardRequests(ctx, count, { 'cache-control': 'no-cache' }),
  },
];

/** The reference runs every floor is built from. */
export const REFERENCE_RUNS = {
  health: { method: 'GET', path: '/health' } satisfies LoadRequest,
  ready: { method: 'GET', path: '/health/ready' } satisfies LoadRequest,
};

/** Logs in through the API (its own IP, so the auth rate limit is not shared with the load). */
export async function loginToken(baseUrl: string, email: string, ip: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
    body: JSON.stringify({ email, password: BENCH_PASSWORD, deviceName: 'bench setup' }),
  });
  const body = (await res.json().catch(() => ({}))) as { accessToken?: string; code?: string };
  if (!res.ok || !body.accessToken) throw new Error(`login as ${email} failed: ${res.status} ${body.code ?? ''}`);
  return body.accessToken;
}
