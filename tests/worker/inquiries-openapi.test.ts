import { describe, expect, it } from 'vitest';
import { api, json } from '../helpers/api';

describe('OpenAPI description of inquiries, events and the dashboard', () => {
  it('GET /openapi.json describes the inquiry, event and dashboard routes with their errors', async () => {
    const res = await api('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>(res);
    const expected: Array<[string, string, string[]]> = [
      ['/v1/inquiries', 'post', ['201', '404', '422', '429']],
      ['/v1/admin/inquiries', 'get', ['200', '401', '403', '422']],
      ['/v1/admin/inquiries/{id}', 'get', ['200', '404']],
      ['/v1/admin/inquiries/{id}', 'patch', ['200', '404', '409', '422']],
      ['/v1/events', 'post', ['202', '422', '429']],
      ['/v1/admin/dashboard', 'get', ['200', '401', '403', '422']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(statuses));
    }
  });
});
