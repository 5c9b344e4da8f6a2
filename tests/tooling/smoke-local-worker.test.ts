import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runSmoke } from '../../scripts/smoke';
import { freePort, type LocalWorker, root, startLocalWorker } from '../helpers/local-worker';

function runCli(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', 'scripts/smoke.ts', url], {
      cwd: root,
      env: { ...process.env, SMOKE_TIMEOUT_MS: '5000' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm run smoke against the local Worker', () => {
  let worker: LocalWorker | undefined;
  let baseUrl = '';
  const slug = `smoke-${Date.now().toString(36)}`;

  beforeAll(async () => {
    // A public listing, so the smoke test opens one instead of skipping that check.
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    try {
      await db.query(
        `insert into properties (id, slug, title, property_type, listing_type, status, price, address_line1, city, country, published_at)
         values ($1, $2, 'Smoke test cottage', 'house', 'sale', 'active', 25000000, '1 Smoke Lane', 'Porto', 'PT', now())`,
        [uuidv7(), slug],
      );
    } finally {
      await db.end();
    }

    worker = await startLocalWorker({
      ENVIRONMENT: 'development',
      LOG_LEVEL: 'error',
      DATABASE_URL: inject('databaseUrl'),
      NEON_HTTP_ENDPOINT: inject('neonHttpEndpoint'),
      NEON_WS_PROXY: inject('neonWsProxy'),
      JWT_SECRET: 'smoke-test-secret-that-is-long-enough-0123456789',
      EMAIL_TRANSPORT: 'log',
    });
    baseUrl = worker.baseUrl;
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
  });

  it('the cron URL that README and docs/operations.md give runs a job under wrangler dev', async () => {
    const paths = ['README.md', 'docs/operations.md'].flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/localhost:8787(\/[^'"`\s]*cron=[^'"`\s]*)/g)].map(
        (m) => m[1] as string,
      ),
    );
    expect(paths.length).toBeGreaterThanOrEqual(2);
    expect(new Set(paths.map((path) => path.split('?')[0])).size).toBe(1);
    for (const path of paths) {
      const res = await fetch(`${baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
  });

  it('npm run smoke passes every check against a healthy local Worker', async () => {
    const results = await runSmoke(baseUrl);
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([]);
    expect(results.map((r) => r.name)).toEqual([
      'GET /health',
      'GET /health/ready',
      'GET /v1/properties (search)',
      'GET /v1/properties/:idOrSlug (a listing)',
      'GET /openapi.json',
      'GET /docs',
      'security headers',
      'unknown path is a problem JSON 404',
    ]);
    expect(results.find((r) => r.name.startsWith('GET /v1/properties/:'))?.skipped).toBeUndefined();
  });

  it('npm run smoke exits 0 on success and 1 when the API is not there', async () => {
    const good = await runCli(baseUrl);
    expect(good.output).toMatch(/All \d+ checks passed/);
    expect(good.code).toBe(0);

    const bad = await runCli(`http://127.0.0.1:${await freePort()}`);
    expect(bad.output).toMatch(/FAIL {2}GET \/health:/);
    expect(bad.code).toBe(1);
  }, 120_000);
});
