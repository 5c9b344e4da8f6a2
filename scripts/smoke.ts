import { fileURLToPath } from 'node:url';
import { type ApiClient, createApiClient } from '../client';

/**
 * `npm run smoke -- URL`: a read-only check of a deployed API. Every check runs (one failure
 * does not hide the next), each with its own deadline; the exit code is 1 if any failed.
 */
export interface SmokeResult {
  name: string;
  ok: boolean;
  detail: string;
  skipped?: boolean;
}

const TIMEOUT_MS = Number(process.env.SMOKE_TIMEOUT_MS ?? 10_000);

class CheckFailed extends Error {}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

async function get(base: string, path: string, accept = 'application/json'): Promise<Response> {
  return fetch(new URL(path, base), {
    headers: { Accept: accept, 'User-Agent': 'gsr-smoke/1' },
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

/** The typed client, as a front end would use it: a change to the contract fails this script's typecheck. */
function client(base: string): ApiClient {
  return createApiClient(base, {
    headers: { Accept: 'application/json', 'User-Agent': 'gsr-smoke/1' },
    init: { redirect: 'manual' },
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) }),
  });
}

async function typed<T>(res: { json(): Promise<T> }): Promise<T> {
  try {
    return await res.json();
  } catch {
    throw new CheckFailed('expected JSON');
  }
}

async function body(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CheckFailed(`expected JSON, got ${text.slice(0, 80)}`);
  }
}

const SECURITY_HEADERS: Record<string, RegExp> = {
  'x-content-type-options': /^nosniff$/i,
  'x-frame-options': /^(deny|sameorigin)$/i,
  'strict-transport-security': /max-age=\d+/i,
  'referrer-policy': /.+/,
  'x-request-id': /.+/,
};

export async function runSmoke(baseUrl: string): Promise<SmokeResult[]> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const results: SmokeResult[] = [];
  const api = client(base);
  let listing: { id: string; slug: string } | undefined;

  async function check(name: string, fn: () => Promise<string | { skipped: string }>) {
    try {
      const outcome = await fn();
      if (typeof outcome === 'string') results.push({ name, ok: true, detail: outcome });
      else results.push({ name, ok: true, skipped: true, detail: outcome.skipped });
    } catch (error) {
      const detail =
        error instanceof CheckFailed
          ? error.message
          : `request failed: ${error instanceof Error ? error.message : error}`;
      results.push({ name, ok: false, detail });
    }
  }

  await check('GET /health', async () => {
    const res = await api.health.$get();
    assert(res.status === 200, `status ${res.status}`);
    const json = await typed(res);
    assert(json.status === 'ok', `status field ${String(json.status)}`);
    return 'ok';
  });

  await check('GET /health/ready', async () => {
    const res = await api.health.ready.$get();
    assert(res.status === 200, `status ${res.status}: the database is not reachable`);
    const json = await typed(res);
    const latency = json.db?.latencyMs;
    assert(json.status === 'ok' && typeof latency === 'number', 'unexpected readiness body');
    return `database answered in ${latency} ms`;
  });

  await check('GET /v1/properties (search)', async () => {
    const res = await api.v1.properties.$get({ query: { limit: '5', sort: 'newest' } });
    assert(res.status === 200, `status ${res.status}`);
    const json = await typed(res);
    assert(Array.isArray(json.data), 'no data array');
    assert('nextCursor' in json, 'no nextCursor');
    listing = json.data[0];
    return `${json.data.length} listings on the first page`;
  });

  await check('GET /v1/properties/:idOrSlug (a listing)', async () => {
    if (!listing) return { skipped: 'no public listing to open' };
    const key = listing.slug || listing.id;
    const res = await api.v1.properties[':idOrSlug'].$get({ param: { idOrSlug: key } });
    assert(res.status === 200, `status ${res.status}`);
    const json = await typed(res);
    assert(json.id === listing.id, 'a different listing came back');
    assert(Array.isArray(json.images), 'no images array');
    return `opened ${key}`;
  });

  await check('GET /openapi.json', async () => {
    const res = await get(base, 'openapi.json');
    assert(res.status === 200, `status ${res.status}`);
    const json = await body(res);
    assert(typeof json.openapi === 'string' && json.openapi.startsWith('3.1'), `openapi ${String(json.openapi)}`);
    const paths = Object.keys((json.paths as Record<string, unknown> | undefined) ?? {});
    assert(paths.includes('/health') && paths.some((p) => p.startsWith('/v1/')), 'paths are missing');
    return `${paths.length} paths`;
  });

  await check('GET /docs', async () => {
    const res = await get(base, 'docs', 'text/html');
    assert(res.status === 200, `status ${res.status}`);
    assert(res.headers.get('content-type')?.includes('text/html'), 'not HTML');
    await res.body?.cancel();
    return 'renders HTML';
  });

  await check('security headers', async () => {
    const res = await get(base, 'health');
    await res.body?.cancel();
    const missing = Object.entries(SECURITY_HEADERS)
      .filter(([name, pattern]) => !pattern.test(res.headers.get(name) ?? ''))
      .map(([name]) => name);
    assert(missing.length === 0, `missing or wrong: ${missing.join(', ')}`);
    assert(!res.headers.get('x-powered-by'), 'X-Powered-By is set');
    return 'present';
  });

  await check('unknown path is a problem JSON 404', async () => {
    const res = await get(base, 'v1/smoke-test-no-such-route');
    assert(res.status === 404, `status ${res.status}`);
    assert(res.headers.get('content-type')?.startsWith('application/problem+json'), 'not problem+json');
    const json = await body(res);
    assert(json.code === 'NOT_FOUND', `code ${String(json.code)}`);
    return 'ok';
  });

  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.argv[2] ?? process.env.SMOKE_URL;
  if (!url || !/^https?:\/\//.test(url)) {
    console.error('usage: npm run smoke -- https://api.example.com');
    process.exit(2);
  }
  const results = await runSmoke(url);
  for (const r of results) console.log(`${r.ok ? (r.skipped ? 'SKIP' : 'PASS') : 'FAIL'}  ${r.name}: ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(failed === 0 ? `All ${results.length} checks passed.` : `${failed} of ${results.length} checks failed.`);
  process.exit(failed === 0 ? 0 : 1);
}
