import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runSmoke } from '../../scripts/smoke';

const root = new URL('../..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilUp(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('wrangler dev did not come up in time');
}

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
  let wrangler: ChildProcess | undefined;
  let baseUrl = '';
  const persist = mkdtempSync(join(tmpdir(), 'gsr-smoke-'));
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

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const vars: Record<string, string> = {
      ENVIRONMENT: 'development',
      LOG_LEVEL: 'error',
      DATABASE_URL: inject('databaseUrl'),
      NEON_HTTP_ENDPOINT: inject('neonHttpEndpoint'),
      NEON_WS_PROXY: inject('neonWsProxy'),
      JWT_SECRET: 'smoke-test-secret-that-is-long-enough-0123456789',
      EMAIL_TRANSPORT: 'log',
    };
    const args = ['wrangler', 'dev', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', persist];
    args.push('--show-interactive-dev-session=false', '--inspector-port', String(await freePort()));
    for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
    wrangler = spawn('npx', args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    wrangler.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitUntilUp(baseUrl, wrangler, 90_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${stderr}`);
    }
  }, 120_000);

  afterAll(async () => {
    if (wrangler?.pid && wrangler.exitCode === null) {
      // wrangler starts workerd as a child: end the whole process group we started.
      process.kill(-wrangler.pid, 'SIGTERM');
      await Promise.race([once(wrangler, 'exit'), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (wrangler.exitCode === null) process.kill(-wrangler.pid, 'SIGKILL');
    }
    rmSync(persist, { recursive: true, force: true });
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
