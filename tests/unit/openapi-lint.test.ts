import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';

/**
 * Spectral on /openapi.json with the project's ruleset (.spectral.yaml: `spectral:oas` and the
 * OWASP API Security ruleset, less the exceptions docs/openapi.md explains). The OpenAPI rules
 * must find nothing. The OWASP findings still open (bounds on response fields) may only go down:
 * lower a budget below when a change fixes some, never raise one.
 */
const OWASP_BUDGET: Record<string, number> = {
  'owasp:api4:2023-string-limit': 18,
  'owasp:api4:2023-string-restricted': 80,
  'owasp:api4:2023-integer-format': 0,
  'owasp:api4:2023-integer-limit': 0,
  'owasp:api4:2023-array-limit': 7,
};

const env = {
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  JWT_SECRET: 'openapi-test-secret-that-is-long-enough-0123456789',
  ENVIRONMENT: 'test',
  LOG_LEVEL: 'error',
};

interface Finding {
  code: string;
  severity: number;
  path: string[];
  message: string;
}

async function lint(): Promise<Finding[]> {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, await (await createApp().request('/openapi.json', {}, env)).text());
    const { stdout } = await promisify(execFile)(
      'node_modules/.bin/spectral',
      ['lint', '--ruleset', '.spectral.yaml', '--format', 'json', '--fail-severity', 'error', '--quiet', file],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    return JSON.parse(stdout || '[]') as Finding[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('GET /openapi.json under Spectral', () => {
  it('GET /openapi.json passes spectral:oas and stays within the OWASP budget', { timeout: 60_000 }, async () => {
    const findings = await lint();
    const where = (f: Finding) => `${f.code} at ${f.path.join('.')}: ${f.message}`;
    expect(findings.filter((f) => !f.code.startsWith('owasp:')).map(where)).toEqual([]);
    const counts: Record<string, number> = {};
    for (const f of findings.filter((f) => f.code.startsWith('owasp:'))) counts[f.code] = (counts[f.code] ?? 0) + 1;
    const over = Object.entries(counts).filter(([code, n]) => n > (OWASP_BUDGET[code] ?? 0));
    expect(
      over,
      findings
        .filter((f) => over.some(([c]) => c === f.code))
        .map(where)
        .slice(0, 20)
        .join('\n'),
    ).toEqual([]);
  });
});
