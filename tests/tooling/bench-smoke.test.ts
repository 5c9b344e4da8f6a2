import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { operationKey, runBench, stopEverything } from '../../scripts/bench/bench';
import { type BenchConfig, configFromEnv, SCENARIO_NAMES } from '../../scripts/bench/config';
import { percentiles } from '../../scripts/bench/load-types';
import { noisePng } from '../../scripts/bench/png';
import type { BenchReport } from '../../scripts/bench/report';
import { uniqueIp } from '../../scripts/bench/scenarios';
import { sniffImage } from '../../src/lib/image-sniff';

// Benchmarks are not tests: nothing here looks at a timing. This keeps the harness from rotting.
const outDir = mkdtempSync(join(tmpdir(), 'gsr-bench-smoke-'));
afterAll(async () => {
  // After a timeout the run's own cleanup never ran: stop its wrangler dev and drop its database.
  await stopEverything();
  rmSync(outDir, { recursive: true, force: true });
});

describe('bench harness pieces', () => {
  it('noisePng makes a 2 MB PNG the upload route accepts by its bytes', () => {
    const png = noisePng(2 * 1024 * 1024);
    expect(png.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(png.length).toBeLessThan(2.2 * 1024 * 1024);
    const sniffed = sniffImage(new Uint8Array(png));
    expect(sniffed.ok).toBe(true);
    if (sniffed.ok) {
      expect(sniffed.image.contentType).toBe('image/png');
      expect(sniffed.image.width).toBe(sniffed.image.height);
    }
  });

  it('percentiles are nearest-rank over the whole sample', () => {
    const p = percentiles(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect([p.p50, p.p95, p.p99, p.min, p.max]).toEqual([50, 95, 99, 1, 100]);
    expect(Number.isNaN(percentiles([]).p50)).toBe(true);
  });

  it('operationKey matches OpenAPI paths whatever the parameter is called', () => {
    expect(operationKey('POST', '/v1/admin/properties/{propertyId}/images')).toBe(
      operationKey('post', '/v1/admin/properties/{id}/images'),
    );
    expect(operationKey('get', '/v1/properties')).not.toBe(operationKey('post', '/v1/properties'));
  });

  it('uniqueIp gives a distinct address to each of 131072 requests', () => {
    const seen = new Set(Array.from({ length: 131_072 }, (_, i) => uniqueIp(i)));
    expect(seen.size).toBe(131_072);
    expect(uniqueIp(0)).toBe('198.18.0.0');
  });

  it('configFromEnv refuses unknown scenarios and bad concurrency levels', () => {
    const saved = { ...process.env };
    try {
      process.env.BENCH_SCENARIOS = 'search,warp-drive';
      expect(() => configFromEnv()).toThrow(/warp-drive/);
      process.env.BENCH_SCENARIOS = '';
      process.env.BENCH_CONCURRENCY = '1,0';
      expect(() => configFromEnv()).toThrow(/BENCH_CONCURRENCY/);
    } finally {
      process.env = saved;
    }
  });
});

const server = process.env.TEST_DATABASE_URL;

describe(`npm run bench, smoke run on ${server ? 'PostgreSQL' : 'embedded PGlite'} (tiny dataset, a few requests)`, () => {
  let report: BenchReport;

  it('runs every scenario whose route exists without a single error, and writes the report', async () => {
    const config: BenchConfig = {
      databaseUrl: server ?? 'embedded',
      reuseDatabase: null,
      keepDatabase: false,
      scale: 0.0005,
      concurrency: [2],
      durationSec: 1,
      requests: 4,
      warmupRequests: 1,
      floorSamples: 5,
      scenarios: [...SCENARIO_NAMES],
      outDir,
      failOnErrors: true,
      verbose: false,
      inProcessLoad: true,
      photos: 2,
    };
    const lines: string[] = [];
    const outcome = await runBench(config, (line) => lines.push(line)).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${lines.join('\n')}`);
    });
    report = outcome.report;

    expect(report.problems).toEqual([]);
    expect(report.scenarios.map((s) => s.name)).toEqual([...SCENARIO_NAMES]);
    for (const s of report.scenarios) {
      if (s.state === 'skipped') {
        expect(s.reason).toMatch(/^route missing/);
        continue;
      }
      expect(s.state, `${s.name}: ${s.reason}`).toBe('measured');
      expect(s.sqlFloor?.error).toBeUndefined();
      expect(s.capture?.status).toBeLessThan(300);
      expect(s.sqlFloor?.roundTrips).toBe(s.capture?.foregroundRoundTrips);
      expect(s.runs).toHaveLength(1);
      const [run] = s.runs;
      expect(run?.load.requests).toBeGreaterThanOrEqual(4);
      expect(run?.load.non2xx).toBe(0);
      expect(run?.load.errors).toBe(0);
      expect(run?.floorMs).not.toBeNull();
    }

    // The photo benchmark ran: a card at w=320 WebP is a small fraction of the original.
    expect(report.photos?.uploads).toBe(2);
    expect(report.photos?.page.ratio).toBeGreaterThan(10);

    const written = JSON.parse(readFileSync(outcome.jsonFile, 'utf8')) as BenchReport;
    expect(written.format).toBe('gsr-bench/1');
    expect(written.machine.cpus).toBeGreaterThan(0);
    expect(written.versions.node).toBe(process.version);
    expect(written.versions.postgres).toMatch(/PostgreSQL/);
    expect(written.commit.short).toMatch(/^[0-9a-f]{7}$|^unknown$/);
    const markdown = readFileSync(outcome.markdownFile, 'utf8');
    for (const name of SCENARIO_NAMES) expect(markdown).toContain(`| ${name} |`);
    expect(markdown).toContain('## Photos');

    // The alert benchmark ran at the smoke scale: one statement per change, a digest run.
    expect(report.alerts?.searches).toBe(50);
    expect(report.alerts?.match.runs).toBe(3);
    expect(report.alerts?.match.savedSearchScans.length).toBeGreaterThan(0);
    expect(report.alerts?.digest.batches).toBeGreaterThanOrEqual(1);
    expect(markdown).toContain('## Saved-search alerts');
  }, 240_000);

  it('loads the dataset at the requested scale', () => {
    const sizes = report.dataset.sizes;
    expect(sizes.users).toBe(20);
    // 50 listings plus the 3 empty drafts the upload scenario fills.
    expect(sizes.properties).toBe(53);
    expect(sizes.property_images).toBeGreaterThanOrEqual(50);
    expect(sizes.inquiries).toBe(50);
    expect(sizes.analytics_events).toBe(500);
  });

  it('counts database round trips at the stand-in: none for /health, one for /health/ready', () => {
    expect(report.reference.health[0]?.db.roundTrips).toBe(0);
    expect(report.reference.ready[0]?.db.roundTrips).toBe(1);
  });

  it('keeps the caches out of the cold scenarios and in the cached one', () => {
    const cold = report.scenarios.find((s) => s.name === 'detail-cold');
    const cached = report.scenarios.find((s) => s.name === 'detail-cached');
    // HIT: the edge cache; HIT-MEMORY: the isolate's own copy of the listing.
    const hits = (counts: Record<string, number> = {}) => (counts.HIT ?? 0) + (counts['HIT-MEMORY'] ?? 0);
    if (cold?.state === 'measured') expect(hits(cold.runs[0]?.load.headerCounts)).toBe(0);
    if (cached?.state === 'measured') {
      expect(hits(cached.runs[0]?.load.headerCounts)).toBe(cached.runs[0]?.load.requests);
    }
  });

  it.runIf(server)('drops its database at the end', async () => {
    expect(report.dataset.name).toMatch(/^gsr_bench_/);
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [report.dataset.name]);
      expect(rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });
});
