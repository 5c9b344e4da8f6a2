import { describe, expect, it } from 'vitest';
import { api, json } from '../helpers/api';

describe('OpenAPI document and reference', () => {
  it('GET /openapi.json serves OpenAPI 3.1 with the problem schema and bearer auth', async () => {
    const res = await api('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    const doc = await json<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { scheme?: string }> };
    }>(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth?.scheme).toBe('bearer');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/health', '/v1/admin/system/db', '/v1/admin/system/jobs/{name}']),
    );
  });

  it('GET /docs renders an HTML reference of /openapi.json', async () => {
    const res = await api('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('/openapi.json');
    expect(html).toMatch(/<html/i);
  });

  it('POST /openapi.json is a 405 problem', async () => {
    const res = await api('/openapi.json', { method: 'POST', json: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toContain('GET');
  });
});
