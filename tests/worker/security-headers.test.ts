import { describe, expect, it } from 'vitest';
import { api, json } from '../helpers/api';
import { createTestProperty } from '../helpers/listings';
import { createTestUser } from '../helpers/users';

const RESTRICTIVE = "default-src 'none'; frame-ancestors 'none'";

function directives(csp: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name, values);
  }
  return out;
}

describe('Content-Security-Policy', () => {
  it('GET /docs allows nothing from another origin and runs no inline script', async () => {
    const res = await api('/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    const csp = directives(res.headers.get('Content-Security-Policy'));
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('object-src') ?? csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    // No directive names a host or a scheme that reaches one: self, none, and in-page data only.
    const sources = [...csp.values()].flat();
    for (const source of sources) {
      expect(["'self'", "'none'", "'unsafe-inline'", 'data:', 'blob:'], source).toContain(source);
    }
    // Every script of the page is a file of this origin; an inline one would be blocked.
    const srcs = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1] as string);
    expect(srcs.length).toBeGreaterThan(0);
    for (const src of srcs) expect(src).toMatch(/^\/(?!\/)/);
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)([^>]*)>/g)].map((m) => m[1] as string);
    for (const attributes of inline) expect(attributes).toMatch(/type="application\/json"/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('GET /health (JSON) carries the restrictive default policy', async () => {
    const res = await api('/health');
    expect(res.headers.get('Content-Security-Policy')).toBe(RESTRICTIVE);
    await res.arrayBuffer();
  });

  it('GET /v1/properties/:idOrSlug carries the restrictive policy on hits, misses and 404 problems', async () => {
    const listing = await createTestProperty();
    for (let i = 0; i < 2; i++) {
      const res = await api(`/v1/properties/${listing.id}`);
      expect(res.headers.get('Content-Security-Policy')).toBe(RESTRICTIVE);
      await json(res);
    }
    const missing = await api('/v1/properties/no-such-listing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Content-Security-Policy')).toBe(RESTRICTIVE);
    await missing.arrayBuffer();
  });

  it('an error answered by the app itself (401, 404 route, 405) carries the restrictive policy', async () => {
    const user = await createTestUser();
    for (const res of [
      await api('/v1/admin/properties'),
      await api('/v1/nowhere'),
      await api('/health', { method: 'POST', json: {} }),
      await api('/v1/admin/properties', { token: user.token }),
    ]) {
      expect(res.headers.get('Content-Security-Policy'), String(res.status)).toBe(RESTRICTIVE);
      await res.arrayBuffer();
    }
  });
});
