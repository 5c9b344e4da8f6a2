import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { runAlertBench } from './alerts';
import type { BenchConfig } from './config';
import {
  BENCH_ADMIN_EMAIL,
  datasetPlan,
  datasetSizes,
  loadDataset,
  openBenchDatabase,
  resetUploadTargets,
} from './dataset';
import { bcryptFloor, captureRequest, directSelectOne, jwtVerifyFloor, replayFloor } from './floors';
import { runLoad } from './load';
import type { LoadRequest, LoadResult } from './load-types';
import { commitInfo, machineInfo, versions } from './machine';
import { realisticPhotoJpeg, runPhotoBench } from './photos';
import { writeNoisePng } from './png';
import {
  type BenchReport,
  type DbCounts,
  floorFor,
  type ReferenceRun,
  renderMarkdown,
  type ScenarioReport,
} from './report';
import { loadSamples } from './samples';
import { loginToken, REFERENCE_RUNS, SCENARIOS, type ScenarioContext, uniqueIp } from './scenarios';
import { startStack } from './stack';
import { evaluateTargets } from './targets';

export interface BenchOutcome {
  report: BenchReport;
  markdown: string;
  jsonFile: string;
  markdownFile: string;
}

const UPLOAD_BYTES = 2 * 1024 * 1024;
/** The fewest requests a measured run sends, whatever its pace. */
const MIN_RESPONSES = 20;

/** What a run has started and must stop, also when it is interrupted (see stopEverything). */
const active: Array<() => Promise<void>> = [];

/** Stops what a running bench started (for SIGINT/SIGTERM); safe to call at any time. */
export async function stopEverything(): Promise<void> {
  while (active.length > 0)
    await active
      .pop()?.()
      .catch(() => undefined);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `get /v1/x/{id}` and `GET /v1/x/{xId}` are the same operation. */
export const operationKey = (method: string, path: string) =>
  `${method.toLowerCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`;

async function openApiOperations(baseUrl: string): Promise<Set<string>> {
  const res = await fetch(`${baseUrl}/openapi.json`);
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  const doc = (await res.json()) as { paths?: Record<string, Record<string, unknown>> };
  const ops = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(item)) ops.add(operationKey(method, path));
  }
  return ops;
}

function perRequest(
  counts: { httpQueries: number; batches: number; statements: number; wsTunnels: number },
  load: LoadResult,
): DbCounts {
  const n = Math.max(1, load.requests);
  const round = (v: number) => Math.round((v / n) * 100) / 100;
  return {
    roundTrips: round(counts.httpQueries),
    batches: round(counts.batches),
    statements: round(counts.statements),
    wsTunnels: round(counts.wsTunnels),
  };
}

const fmt = (v: number | null) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '–');
const short = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 240);

/**
 * The whole benchmark: database and dataset, the Worker in wrangler dev, reference runs, every
 * scenario at every concurrency with its floor, reference runs again, report. Everything it
 * started is stopped again, also on failure.
 */
export async function runBench(
  config: BenchConfig,
  print: (line: string) => void = console.log,
): Promise<BenchOutcome> {
  const started = new Date();
  const t0 = performance.now();
  const log = (line: string) => print(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const machine = machineInfo();
  const commit = commitInfo();
  mkdirSync(config.outDir, { recursive: true });
  const stamp = `${started.toISOString().slice(0, 10)}-${commit.short}`;
  const scratch = join(os.tmpdir(), `gsr-bench-${process.pid}-${Date.now()}`);
  mkdirSync(scratch, { recursive: true });
  const cleanups = active;
  cleanups.push(async () => rmSync(scratch, { recursive: true, force: true }));

  try {
    log(
      `Database: ${config.reuseDatabase ? `reusing ${config.reuseDatabase}` : config.databaseUrl === 'embedded' ? 'embedded PGlite' : 'a fresh database'}`,
    );
    const db = await openBenchDatabase({
      serverUrl: config.databaseUrl,
      reuse: config.reuseDatabase,
      keep: config.keepDatabase,
      log,
    });
    cleanups.push(db.close);
    let loadMs: number | null = null;
    if (!config.reuseDatabase) {
      const plan = datasetPlan(config.scale);
      log(`Loading the dataset (scale ${config.scale}) …`);
      loadMs = (await loadDataset(db.url, plan, log)).ms;
      log(`Dataset loaded in ${(loadMs / 1000).toFixed(1)} s.`);
    } else {
      const removed = await resetUploadTargets(db.url);
      if (removed > 0) log(`Removed ${removed} photo rows an earlier run uploaded.`);
    }
    const sizes = await datasetSizes(db.url);
    const samples = await loadSamples(db.url);
    const uploadFile = join(scratch, 'upload.png');
    writeNoisePng(uploadFile, UPLOAD_BYTES);

    log('Starting the Worker (wrangler dev) …');
    const stack = await startStack({
      databaseUrl: db.url,
      logFile: join(config.outDir, `wrangler-${stamp}.log.tmp`),
      verbose: config.verbose,
    });
    cleanups.push(stack.stop);
    const { baseUrl, observer } = stack;
    const operations = await openApiOperations(baseUrl);

    let counter = 0;
    const cursors = { public: 0, upload: 0 };
    const ctx: ScenarioContext = {
      baseUrl,
      samples,
      uploadFile,
      unique: () => ++counter,
      next: (pool) => cursors[pool]++,
      token: (who) => loginToken(baseUrl, who === 'admin' ? BENCH_ADMIN_EMAIL : samples.tokenUser, uniqueIp(++counter)),
    };

    const health: ReferenceRun[] = [];
    const ready: ReferenceRun[] = [];
    // Sizes the request lists: no scenario is faster than the no-I/O route.
    const healthRps = (c: number) => health.find((h) => h.concurrency === c)?.start.rps ?? 1000;
    const measure = async (
      make: (count: number) => Promise<LoadRequest[]>,
      concurrency: number,
      trackHeader?: string,
    ) => {
      // Every connection warms up, and twice over so the warm-up sets a pace for the run.
      const warmup = config.warmupRequests === 0 ? 0 : Math.max(config.warmupRequests, 2 * concurrency);
      const minAmount = Math.max(MIN_RESPONSES, 2 * concurrency);
      const count =
        warmup +
        (config.requests ?? Math.max(minAmount, Math.ceil(config.durationSec * healthRps(concurrency) * 2))) +
        concurrency;
      const load = await runLoad(
        {
          baseUrl,
          connections: concurrency,
          durationSec: config.durationSec,
          amount: config.requests,
          minAmount,
          requests: await make(count),
          trackHeader,
          timeoutSec: 60,
          warmup,
        },
        async () => {
          await observer.waitForQuiet();
          observer.reset();
        },
        { inProcess: config.inProcessLoad },
      );
      // Background work (waitUntil) of the last responses still counts for this run.
      await observer.waitForQuiet();
      return { load, db: perRequest(observer.counts(), load) };
    };

    const reference = async (request: LoadRequest, concurrency: number) => measure(async () => [request], concurrency);
    for (const c of config.concurrency) {
      log(`Reference runs at ${c} client(s) …`);
      const h = await reference(REFERENCE_RUNS.health, c);
      health.push({ concurrency: c, start: h.load, db: h.db });
      const r = await reference(REFERENCE_RUNS.ready, c);
      ready.push({ concurrency: c, start: r.load, db: r.db });
    }
    const directSelect = await directSelectOne(db.url, config.floorSamples);
    const bcrypt = await bcryptFloor(Math.max(5, Math.min(30, Math.round(config.floorSamples / 5))));
    const jwtVerify = await jwtVerifyFloor(config.floorSamples * 20);

    const report: BenchReport = {
      format: 'gsr-bench/1',
      startedAt: started.toISOString(),
      finishedAt: '',
      durationSec: 0,
      commit,
      machine,
      versions: await versions(db.url),
      config: {
        scale: config.scale,
        concurrency: config.concurrency,
        durationSec: config.requests === null ? config.durationSec : null,
        requests: config.requests,
        warmupRequests: config.warmupRequests,
        floorSamples: config.floorSamples,
        database: db.kind,
      },
      dataset: { name: db.name, sizes, loadMs, reused: Boolean(config.reuseDatabase) },
      reference: { health, ready, directSelectOne: directSelect, bcrypt, jwtVerify },
      scenarios: [],
      targets: [],
      problems: [],
    };
    const problems = report.problems;

    for (const scenario of SCENARIOS.filter((s) => config.scenarios.includes(s.name))) {
      const entry: ScenarioReport = {
        name: scenario.name,
        title: scenario.title,
        state: 'measured',
        cacheNote: scenario.cacheNote,
        runs: [],
      };
      report.scenarios.push(entry);
      if (!operations.has(operationKey(scenario.route.method, scenario.route.path))) {
        entry.state = 'skipped';
        entry.reason = `route missing (${scenario.route.method.toUpperCase()} ${scenario.route.path})`;
        log(`${scenario.name}: skipped, ${entry.reason}`);
        continue;
      }
      log(`${scenario.name}: capturing one request's SQL …`);
      try {
        const [probe] = await scenario.requests(ctx, 1);
        if (!probe) throw new Error('no request');
        // Ids minted just before (a fresh token's session) must fall outside the capture window.
        await sleep(50);
        const body = probe.bodyFile ? readFileSync(probe.bodyFile) : probe.body;
        if (scenario.primeCapture) {
          const primed = await fetch(`${baseUrl}${probe.path}`, { method: probe.method, headers: probe.headers, body });
          await primed.arrayBuffer();
        }
        const capture = await captureRequest(baseUrl, observer, probe, body);
        entry.capture = {
          status: capture.status,
          foregroundRoundTrips: capture.foreground.length,
          backgroundRoundTrips: capture.background.length,
          statements: capture.foreground.flatMap((o) => o.queries.map((q) => short(q.query))),
          backgroundStatements: capture.background.flatMap((o) => o.queries.map((q) => short(q.query))),
        };
        if (capture.status !== scenario.status) {
          throw new Error(`the probe request answered ${capture.status}, expected ${scenario.status}`);
        }
        entry.sqlFloor = await replayFloor(db.url, capture.foreground, config.floorSamples, capture.window);
        if (entry.sqlFloor.error) problems.push(`${scenario.name}: replaying its SQL failed: ${entry.sqlFloor.error}`);
        if (scenario.bcrypt) entry.bcrypt = bcrypt;
      } catch (error) {
        entry.state = 'failed';
        entry.reason = (error as Error).message;
        problems.push(`${scenario.name}: ${entry.reason}`);
        log(`${scenario.name}: FAILED, ${entry.reason}`);
        continue;
      }

      for (const c of config.concurrency) {
        const { load, db: counts } = await measure((n) => scenario.requests(ctx, n), c, scenario.trackHeader);
        const floorMs = floorFor(report, entry, c);
        entry.runs.push({
          concurrency: c,
          load,
          db: counts,
          floorMs,
          ratio: floorMs ? { p50: load.latency.p50 / floorMs.p50, p95: load.latency.p95 / floorMs.p95 } : null,
        });
        log(
          `${scenario.name} @${c}: ${Math.round(load.rps)} req/s, p50 ${fmt(load.latency.p50)} ms, p95 ${fmt(load.latency.p95)} ms, ${load.non2xx} non-2xx, ${load.errors} errors, ${counts.roundTrips} round trips/req`,
        );
        if (load.non2xx + load.errors > 0) {
          problems.push(
            `${scenario.name} at ${c} client(s): ${load.non2xx} non-2xx and ${load.errors} connection errors of ${load.requests} (${JSON.stringify(load.statuses)}); first: ${load.errorSamples.join(' | ')}`,
          );
        }
        // HIT (edge cache) and HIT-MEMORY (the isolate's copy of listing detail) alike.
        const hits = Object.entries(load.headerCounts)
          .filter(([value]) => value.startsWith('HIT'))
          .reduce((sum, [, n]) => sum + n, 0);
        if (scenario.name !== 'detail-cached' && hits > 0) {
          problems.push(
            `${scenario.name} at ${c}: ${hits} cache hits in a scenario meant to miss (dataset too small for the run?)`,
          );
        }
        const misses = load.headerCounts.MISS ?? 0;
        if (scenario.name === 'detail-cached' && misses > 0) {
          problems.push(`${scenario.name} at ${c}: ${misses} edge cache misses in a scenario meant to hit`);
        }
      }
    }

    const photoCount = config.photos ?? 20;
    if (photoCount > 0) {
      try {
        report.photos = await runPhotoBench({
          baseUrl,
          adminToken: await ctx.token('admin'),
          photo: await realisticPhotoJpeg(),
          photos: photoCount,
          storedRequests: Math.max(photoCount, config.requests ?? 200),
          log,
        });
        const p = report.photos;
        log(
          `photos: page ${(p.page.originalBytes / 1e6).toFixed(1)} MB of originals vs ${(p.page.variantBytes / 1e3).toFixed(0)} kB at w=320 WebP (1/${p.page.ratio.toFixed(0)}); cold variant p50 ${fmt(p.coldMs.p50)} ms, cached p50 ${fmt(p.cachedMs.p50)} ms (health ${fmt(p.healthMs.p50)} ms), stored p50 ${fmt(p.storedMs.p50)} ms; upload p50 ${fmt(p.uploadMs.p50)} ms`,
        );
      } catch (error) {
        problems.push(`photos: ${(error as Error).message}`);
        log(`photos: FAILED, ${(error as Error).message}`);
      }
    }

    if (config.alerts ?? true) {
      try {
        report.alerts = await runAlertBench({ url: db.url, scale: config.scale, log });
      } catch (error) {
        problems.push(`alerts: ${(error as Error).message}`);
        log(`alerts: FAILED, ${(error as Error).message}`);
      }
    }

    // The reference runs again: the floor is the mean of both, and the drift shows the noise.
    for (const c of config.concurrency) {
      log(`Reference runs again at ${c} client(s) …`);
      const h = health.find((r) => r.concurrency === c);
      const r = ready.find((x) => x.concurrency === c);
      if (h) h.end = (await reference(REFERENCE_RUNS.health, c)).load;
      if (r) r.end = (await reference(REFERENCE_RUNS.ready, c)).load;
    }
    for (const s of report.scenarios) {
      for (const run of s.runs) {
        run.floorMs = floorFor(report, s, run.concurrency);
        run.ratio = run.floorMs
          ? { p50: run.load.latency.p50 / run.floorMs.p50, p95: run.load.latency.p95 / run.floorMs.p95 }
          : null;
      }
    }
    for (const [route, runs] of [
      ['/health', health],
      ['/health/ready', ready],
    ] as const) {
      for (const r of runs) {
        if (r.start.non2xx + r.start.errors + (r.end?.non2xx ?? 0) + (r.end?.errors ?? 0) > 0) {
          problems.push(`GET ${route} at ${r.concurrency}: non-2xx or errors (${JSON.stringify(r.start.statuses)})`);
        }
      }
    }

    machine.loadAverage.end = os.loadavg().map((v) => Math.round(v * 100) / 100);
    report.finishedAt = new Date().toISOString();
    report.durationSec = Math.round((performance.now() - t0) / 100) / 10;
    report.targets = evaluateTargets(report);
    const markdown = renderMarkdown(report);
    const jsonFile = join(config.outDir, `bench-${stamp}.json`);
    const markdownFile = join(config.outDir, `bench-${stamp}.md`);
    writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(markdownFile, markdown);
    return { report, markdown, jsonFile, markdownFile };
  } finally {
    while (cleanups.length > 0) {
      await cleanups
        .pop()?.()
        .catch((error: unknown) => log(`cleanup failed: ${(error as Error).message}`));
    }
  }
}
