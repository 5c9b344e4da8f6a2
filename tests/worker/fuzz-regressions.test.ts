/// <reference types="vite/client" />
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE } from '../helpers/api';
import { createTestUser } from '../helpers/users';

/** Replays every request kept in tests/fuzz-regressions/ (see its README). */

interface RegressionCase {
  found: string;
  broke: string;
  request: { method: string; url: string; headers?: Record<string, string>; body?: string; bodyBase64?: string };
  expect: { status: number[] };
}

const cases = import.meta.glob<RegressionCase>('../fuzz-regressions/*.json', { eager: true, import: 'default' });
const LEAK =
  /\bat\s+\S+\s+\(|node_modules|\.ts:\d+|(TypeError|RangeError|SyntaxError|ReferenceError):|NeonDbError|DrizzleQueryError|Failed query|syntax error at or near/i;

const tokens: Record<string, string> = {};

beforeAll(async () => {
  for (const role of ['super_admin', 'admin', 'user'] as const) {
    tokens[role.toUpperCase()] = (await createTestUser({ role })).token;
  }
});

function body(request: RegressionCase['request']): BodyInit | undefined {
  if (request.bodyBase64) return Uint8Array.from(atob(request.bodyBase64), (c) => c.charCodeAt(0));
  const deep = request.body?.match(/^DEEP_ARRAY_(\d+)$/);
  if (deep) return `${'['.repeat(Number(deep[1]))}${']'.repeat(Number(deep[1]))}`;
  return request.body;
}

let ip = 0;

describe('fuzz regressions', () => {
  it('tests/fuzz-regressions holds cases to replay', () => {
    expect(Object.keys(cases).length).toBeGreaterThan(0);
  });

  for (const [file, test] of Object.entries(cases)) {
    const name = file.replace('../fuzz-regressions/', '');
    it(`${test.request.method} ${test.request.url.slice(0, 60)} (${name}) answers ${test.expect.status.join(' or ')}`, async () => {
      ip += 1;
      const headers = new Headers({ 'CF-Connecting-IP': `10.250.${ip >> 8}.${ip & 255}` });
      for (const [key, value] of Object.entries(test.request.headers ?? {})) {
        headers.set(
          key,
          value.replace(/^Bearer (SUPER_ADMIN|ADMIN|USER)$/, (_, role: string) => `Bearer ${tokens[role]}`),
        );
      }
      const res = await SELF.fetch(`${BASE}${test.request.url}`, {
        method: test.request.method,
        headers,
        body: body(test.request),
      });
      const text = await res.text();
      expect(test.expect.status, `${res.status}: ${text.slice(0, 300)}`).toContain(res.status);
      if (res.status >= 400) {
        expect(res.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
        expect(JSON.parse(text)).toMatchObject({ status: res.status, code: expect.any(String) });
        expect(LEAK.test(text), text).toBe(false);
      }
    });
  }
});
