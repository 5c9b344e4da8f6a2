import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { API_OPERATIONS } from '../helpers/api-operations';

type Operation = {
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
  requestBody?: unknown;
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const shape = (path: string) => path.replace(/:[A-Za-z]+/g, '{}').replace(/\{[^}]+\}/g, '{}');

// The document needs no database: the config only has to parse.
const env = {
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  JWT_SECRET: 'openapi-test-secret-that-is-long-enough-0123456789',
  ENVIRONMENT: 'test',
  LOG_LEVEL: 'error',
};

describe('GET /openapi.json (validated in Node: the validator compiles JSON Schema, which workerd forbids)', () => {
  let doc: Document;

  beforeAll(async () => {
    const res = await createApp().request('/openapi.json', {}, env);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Document;
  });

  it('GET /openapi.json is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // And the validator does reject a broken document.
    const broken = await new Validator().validate({ ...doc, paths: { '/x': { get: { responses: 'none' } } } } as never);
    expect(broken.valid).toBe(false);
  });

  it('GET /openapi.json describes every route of API.md', () => {
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${shape(path)}`),
      ),
    );
    const missing = API_OPERATIONS.filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return !documented.has(`${method} ${shape(path)}`);
    });
    expect(missing).toEqual([]);
  });

  it('GET /openapi.json gives every operation a success response and problem JSON errors', () => {
    const faults: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses ?? {});
        if (!statuses.some((s) => /^[23]/.test(s))) faults.push(`${method} ${path}: no success response`);
        if (path !== '/health') {
          const errors = statuses.filter((s) => /^[45]/.test(s));
          if (errors.length === 0) faults.push(`${method} ${path}: no error responses`);
          for (const s of errors) {
            if (!op.responses?.[s]?.content?.['application/problem+json']) {
              faults.push(`${method} ${path} ${s}: not problem+json`);
            }
          }
        }
        const needsToken = /^\/v1\/(admin|me)\b/.test(path);
        if (needsToken && !(op.security && op.security.length > 0)) faults.push(`${method} ${path}: no security`);
      }
    }
    expect(faults).toEqual([]);
  });
});
