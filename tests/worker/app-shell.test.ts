import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { api, BASE, expectProblem, json } from '../helpers/api';

/** The same Worker with its database pointed somewhere that does not answer. */
async function withDeadDatabase(path: string, overrides: Record<string, string>) {
  const ctx = createExecutionContext();
  const response = await createApp().fetch(new Request(`${BASE}${path}`), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('app shell', () => {
  it('GET /health/ready is a 503 problem with Retry-After when PostgreSQL is down', async () => {
    // The local Neon stand-in answers, but the PostgreSQL behind it refuses connections.
    const res = await withDeadDatabase('/health/ready', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    const problem = await expectProblem(res, 503, 'DB_UNAVAILABLE');
    expect(JSON.stringify(problem)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres:/);
  });

  it('GET /health/ready is a 503 problem when the Neon endpoint itself is unreachable', async () => {
    const res = await withDeadDatabase('/health/ready', { NEON_HTTP_ENDPOINT: 'http://127.0.0.1:1/sql' });
    await expectProblem(res, 503, 'DB_UNAVAILABLE');
    // The next request with the real configuration recovers by itself.
    expect((await api('/health/ready')).status).toBe(200);
  });

  it('GET /health keeps answering while the database is down', async () => {
    const res = await withDeadDatabase('/health', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
    expect(res.status).toBe(200);
  });

  it('GET /health echoes a well-formed X-Request-Id and replaces a hostile one', async () => {
    const echoed = await api('/health', { headers: { 'X-Request-Id': 'client-trace-123' } });
    expect(echoed.headers.get('X-Request-Id')).toBe('client-trace-123');
    const hostile = await api('/health', { headers: { 'X-Request-Id': 'evil<script>alert(1)</script>' } });
    expect(hostile.headers.get('X-Request-Id')).not.toContain('<script>');
  });

  it('GET /health sends security headers', async () => {
    const res = await api('/health');
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('Strict-Transport-Security')).toMatch(/max-age=/);
    expect(res.headers.get('X-Frame-Options')).toBe('SAMEORIGIN');
  });

  it('OPTIONS /health allows only the configured CORS origins', async () => {
    const allowed = await api('/health', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' },
    });
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example.com');
    const denied = await api('/health', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example.net', 'Access-Control-Request-Method': 'GET' },
    });
    expect(denied.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('GET /openapi.json is an OpenAPI 3.1 document', async () => {
    const res = await api('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/health/ready']));
  });

  it('GET /docs serves the interactive reference of /openapi.json', async () => {
    const res = await api('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toContain('text/html');
    expect(await res.text()).toContain('/openapi.json');
  });

  it('GET /v1/unknown is a 404 problem, never an HTML page', async () => {
    await expectProblem(await api('/v1/unknown/route'), 404, 'NOT_FOUND');
  });
});
