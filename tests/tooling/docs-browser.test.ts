import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DOCS_ASSET_SOURCE } from '../../scripts/docs-assets';
import { type LocalWorker, root, startLocalWorker } from '../helpers/local-worker';

/** Debian's chromium (`.ci/run` installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Kept by CI as artifacts: what /docs looked like. */
const ARTIFACTS = join(root, 'artifacts');

const isLoopback = (url: string) => {
  const { protocol, hostname } = new URL(url);
  // data: and blob: URLs never leave the page.
  if (protocol === 'data:' || protocol === 'blob:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
};

describe('GET /docs in a real browser with no network but localhost', () => {
  let worker: LocalWorker;
  let browser: Browser;
  let page: Page;
  /** Every request the page tried beyond loopback: each was aborted. */
  const offHost: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    worker = await startLocalWorker({
      ENVIRONMENT: 'development',
      LOG_LEVEL: 'error',
      DATABASE_URL: inject('databaseUrl'),
      NEON_HTTP_ENDPOINT: inject('neonHttpEndpoint'),
      NEON_WS_PROXY: inject('neonWsProxy'),
      JWT_SECRET: 'docs-browser-test-secret-that-is-long-enough-0123456789',
      EMAIL_TRANSPORT: 'log',
    });
    // Root in CI containers: chromium's sandbox needs user namespaces that they do not offer.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLoopback(url)) return route.continue();
      offHost.push(url);
      return route.abort('internetdisconnected');
    });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A blocked script, style, font or fetch is reported here as a policy violation.
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it('GET /docs loads the reference and its scripts from the Worker, the locked version, nothing from elsewhere', async () => {
    const scripts: Array<{ url: string; status: number; nosniff: string | null; sha256: string }> = [];
    page.on('response', async (res) => {
      if (res.request().resourceType() !== 'script') return;
      const body = await res.body();
      scripts.push({
        url: new URL(res.url()).pathname,
        status: res.status(),
        nosniff: res.headers()['x-content-type-options'] ?? null,
        sha256: createHash('sha256').update(body).digest('hex'),
      });
    });
    const res = await page.goto(`${worker.baseUrl}/docs`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");

    // The sidebar lists every tag of the document, and the first tag's operations by path.
    const doc = (await (await fetch(`${worker.baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const tags = [
      ...new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? []))),
    ];
    expect(tags.length).toBeGreaterThan(3);
    const sidebar = page.locator('aside, nav').first();
    for (const tag of tags)
      await expect.poll(() => sidebar.getByText(tag, { exact: true }).count(), { message: tag }).toBeGreaterThan(0);
    await expect.poll(() => page.getByText('/health/ready', { exact: true }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'docs-overview.png') });

    const reference = scripts.find((s) => s.url === '/docs/vendor/scalar-api-reference.js');
    expect(reference?.status).toBe(200);
    expect(reference?.nosniff).toBe('nosniff');
    expect(reference?.sha256).toBe(createHash('sha256').update(readFileSync(DOCS_ASSET_SOURCE)).digest('hex'));
    expect(scripts.every((s) => s.url.startsWith('/docs/'))).toBe(true);
    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('"Test Request" on GET /health sends it from the page and shows the answer', async () => {
    const sent = page.waitForRequest((req) => new URL(req.url()).pathname === '/health');
    await page.getByRole('button', { name: /Test Request\s*\(get \/health\)/i }).click();
    const client = page.getByRole('dialog');
    await client.getByRole('button', { name: /^Send get request/i }).click();
    const request = await sent;
    expect(new URL(request.url()).origin).toBe(worker.baseUrl);
    const answer = await request.response();
    expect(answer?.status()).toBe(200);
    await expect.poll(() => client.getByText('200 OK').count()).toBeGreaterThan(0);
    await expect.poll(async () => (await client.textContent()) ?? '').toMatch(/"status":\s*"ok"/);
    await page.screenshot({ path: join(ARTIFACTS, 'docs.png') });
    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  });
});
