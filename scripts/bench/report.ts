import type { AlertBenchReport } from './alerts';
import type { ScenarioName } from './config';
import type { DatasetSizes } from './dataset';
import type { SqlFloor } from './floors';
import type { LoadResult, Percentiles } from './load-types';
import type { CommitInfo, MachineInfo, Versions } from './machine';
import type { PhotoBenchReport } from './photos';

export interface DbCounts {
  /** /sql requests (round trips of the HTTP driver) per response. */
  roundTrips: number;
  batches: number;
  statements: number;
  wsTunnels: number;
}

export interface ScenarioRun {
  concurrency: number;
  load: LoadResult;
  db: DbCounts;
  /** Floor at this concurrency (see floorFor). */
  floorMs: { p50: number; p95: number } | null;
  /** API latency ÷ floor, percentile by percentile. */
  ratio: { p50: number; p95: number } | null;
}

export interface ScenarioReport {
  name: ScenarioName;
  title: string;
  state: 'measured' | 'skipped' | 'failed';
  reason?: string;
  cacheNote?: string;
  capture?: {
    status: number;
    foregroundRoundTrips: number;
    backgroundRoundTrips: number;
    statements: string[];
    backgroundStatements: string[];
  };
  sqlFloor?: SqlFloor;
  bcrypt?: Percentiles;
  runs: ScenarioRun[];
}

export interface ReferenceRun {
  concurrency: number;
  start: LoadResult;
  end?: LoadResult;
  db: DbCounts;
}

export interface TargetCheck {
  scenario: string;
  target: string;
  figure: string;
  pass: boolean | null;
}

export interface BenchReport {
  format: 'gsr-bench/1';
  /** The photo benchmark (absent when skipped, and in reports made before it). */
  photos?: PhotoBenchReport;
  /** The saved-search alert benchmark (absent when skipped, and in reports made before it). */
  alerts?: AlertBenchReport;
  startedAt: string;
  finishedAt: string;
  durationSec: number;
  commit: CommitInfo;
  machine: MachineInfo;
  versions: Versions;
  config: {
    scale: number;
    concurrency: number[];
    durationSec: number | null;
    requests: number | null;
    warmupRequests: number;
    floorSamples: number;
    database: 'postgres' | 'pglite';
  };
  /** `name`: the database on the server (dropped at the end unless kept), null for PGlite. */
  dataset: { name: string | null; sizes: DatasetSizes; loadMs: number | null; reused: boolean };
  reference: {
    health: ReferenceRun[];
    ready: ReferenceRun[];
    directSelectOne: Percentiles;
    bcrypt: Percentiles;
    /** The Worker's access-token verification, in Node (absent in reports made before it). */
    jwtVerify?: Percentiles;
  };
  scenarios: ScenarioReport[];
  targets: TargetCheck[];
  /** Non-2xx responses, connection errors, failed captures: anything that makes a figure suspect. */
  problems: string[];
}

// Figures that came through JSON may be null (NaN of an empty sample).
const ms = (v: number | null | undefined) =>
  typeof v !== 'number' || !Number.isFinite(v) ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1);
const x = (v: number | null | undefined) => (typeof v !== 'number' || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);
const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const perReq = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** p50 and p95 of a reference run at this concurrency: the mean of the runs at start and end. */
export function referenceAt(
  report: Pick<BenchReport, 'reference'>,
  route: 'health' | 'ready',
  concurrency: number,
): { p50: number; p95: number } | null {
  const run = report.reference[route].find((r) => r.concurrency === concurrency);
  if (!run) return null;
  const runs = [run.start, run.end].filter((r): r is LoadResult => r !== undefined);
  const mean = (pick: (r: LoadResult) => number) => runs.reduce((s, r) => s + pick(r), 0) / runs.length;
  return { p50: mean((r) => r.latency.p50), p95: mean((r) => r.latency.p95) };
}

/**
 * The floor at this concurrency: /health/ready (the Worker + one trivial round trip), or
 * /health where the request needs no round trip at all (an edge cache hit), + the scenario's
 * SQL on a direct connection (+ the bcrypt compare).
 */
export function floorFor(
  report: Pick<BenchReport, 'reference'>,
  scenario: Pick<ScenarioReport, 'sqlFloor' | 'bcrypt'>,
  concurrency: number,
): { p50: number; p95: number } | null {
  const sql = scenario.sqlFloor;
  if (!sql || sql.error) return null;
  const base = referenceAt(report, sql.roundTrips === 0 ? 'health' : 'ready', concurrency);
  if (!base) return null;
  const sqlP50 = sql.roundTrips === 0 ? 0 : sql.latency.p50;
  const sqlP95 = sql.roundTrips === 0 ? 0 : sql.latency.p95;
  const bcrypt = scenario.bcrypt;
  return {
    p50: base.p50 + sqlP50 + (bcrypt?.p50 ?? 0),
    p95: base.p95 + sqlP95 + (bcrypt?.p95 ?? 0),
  };
}

function referenceTable(report: BenchReport): string[] {
  const lines = [
    '| reference | clients | req/s | p50 ms | p95 ms | p99 ms | req/s at end | p50 at end | non-2xx / errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const rows: Array<[string, ReferenceRun[]]> = [
    ['`GET /health` (no I/O)', report.reference.health],
    ['`GET /health/ready` (`select 1` via Neon HTTP)', report.reference.ready],
  ];
  for (const [label, runs] of rows) {
    for (const r of runs) {
      lines.push(
        `| ${label} | ${r.concurrency} | ${n0(r.start.rps)} | ${ms(r.start.latency.p50)} | ${ms(r.start.latency.p95)} | ${ms(r.start.latency.p99)} | ${r.end ? n0(r.end.rps) : '–'} | ${r.end ? ms(r.end.latency.p50) : '–'} | ${r.start.non2xx + (r.end?.non2xx ?? 0)} / ${r.start.errors + (r.end?.errors ?? 0)} |`,
      );
    }
  }
  return lines;
}

/** The same reference run at the start and the end of the bench: how much the machine moved. */
export function noise(
  report: Pick<BenchReport, 'reference'>,
): Array<{ route: string; concurrency: number; change: number }> {
  const out: Array<{ route: string; concurrency: number; change: number }> = [];
  for (const [route, runs] of [
    ['/health', report.reference.health],
    ['/health/ready', report.reference.ready],
  ] as const) {
    for (const r of runs) {
      if (!r.end) continue;
      out.push({ route, concurrency: r.concurrency, change: r.end.latency.p50 / r.start.latency.p50 - 1 });
    }
  }
  return out;
}

function noiseLines(report: BenchReport): string[] {
  const drift = noise(report);
  if (drift.length === 0) return [];
  const worst = drift.reduce((a, b) => (Math.abs(b.change) > Math.abs(a.change) ? b : a));
  const pct = (v: number) => `${v >= 0 ? '+' : ''}${Math.round(v * 100)}%`;
  return [
    `Noise: p50 of the same reference run, end vs start: ${drift.map((d) => `${d.route} @${d.concurrency} ${pct(d.change)}`).join(', ')}.` +
      (Math.abs(worst.change) > 0.2
        ? ' **More than 20%: the machine was busy with other work; compare ratios and round trips rather than absolute times.**'
        : ''),
  ];
}

function resultsTable(report: BenchReport): string[] {
  const lines = [
    '| scenario | clients | req/s | p50 ms | p95 ms | p99 ms | non-2xx / errors | DB round trips / req | floor p50 / p95 ms | API ÷ floor p50 / p95 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of report.scenarios) {
    if (s.state !== 'measured') {
      lines.push(`| ${s.name} | – | – | – | – | – | – | – | – | ${s.state}: ${s.reason ?? ''} |`);
      continue;
    }
    for (const r of s.runs) {
      const bad = r.load.non2xx + r.load.errors > 0 ? ' ⚠' : '';
      lines.push(
        `| ${s.name} | ${r.concurrency} | ${n0(r.load.rps)} | ${ms(r.load.latency.p50)} | ${ms(r.load.latency.p95)} | ${ms(r.load.latency.p99)} | ${r.load.non2xx} / ${r.load.errors}${bad} | ${perReq(r.db.roundTrips)} | ${r.floorMs ? `${ms(r.floorMs.p50)} / ${ms(r.floorMs.p95)}` : '–'} | ${r.ratio ? `${x(r.ratio.p50)} / ${x(r.ratio.p95)}` : '–'} |`,
      );
    }
  }
  return lines;
}

function floorTable(report: BenchReport): string[] {
  const lines = [
    '| scenario | round trips: request + background | statements | its SQL, direct p50 / p95 ms | bcrypt p50 ms | writes replayed | edge cache during the runs |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const s of report.scenarios) {
    if (s.state !== 'measured') continue;
    const c = s.capture;
    const cache = s.runs
      .map((r) =>
        Object.keys(r.load.headerCounts).length
          ? `${r.concurrency}: ${Object.entries(r.load.headerCounts)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`
          : '',
      )
      .filter(Boolean)
      .join('; ');
    lines.push(
      `| ${s.name} | ${c ? `${c.foregroundRoundTrips} + ${c.backgroundRoundTrips}` : '–'} | ${s.sqlFloor?.statements ?? '–'} | ${s.sqlFloor ? (s.sqlFloor.error ? `error: ${s.sqlFloor.error}` : `${ms(s.sqlFloor.latency.p50)} / ${ms(s.sqlFloor.latency.p95)}`) : '–'} | ${s.bcrypt ? ms(s.bcrypt.p50) : '–'} | ${s.sqlFloor?.rolledBack ? 'rolled back' : '–'} | ${cache || '–'} |`,
    );
  }
  return lines;
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const v = report.versions;
  const d = report.dataset.sizes;
  const c = report.config;
  const out: string[] = [];
  out.push(
    `# Benchmark ${report.startedAt.slice(0, 10)}, commit ${report.commit.short}${report.commit.dirty ? ' (+ uncommitted changes)' : ''}`,
  );
  out.push('');
  out.push(
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}. Load average (1/5/15 min) at start ${m.loadAverage.start.join(' / ')}, at end ${m.loadAverage.end?.join(' / ') ?? '–'}.`,
  );
  out.push(
    `Versions: Node ${v.node}, wrangler ${v.wrangler}, workerd ${v.workerd}, autocannon ${v.autocannon}; ${v.postgres}.`,
  );
  out.push(
    `Dataset (scale ${c.scale}, ${c.database}): ${n0(d.properties)} listings, ${n0(d.property_images)} photos, ${n0(d.users)} users, ${n0(d.inquiries)} inquiries, ${n0(d.analytics_events)} analytics events${report.dataset.reused ? ' (reused database)' : report.dataset.loadMs !== null ? `, loaded in ${(report.dataset.loadMs / 1000).toFixed(0)} s` : ''}.`,
  );
  out.push(
    `Each run: ${c.requests !== null ? `${c.requests} requests` : `${c.durationSec} s`} after ${c.warmupRequests} warm-up requests; SQL floors from ${c.floorSamples} replays. Whole bench: ${Math.round(report.durationSec)} s.`,
  );
  out.push('');
  if (report.problems.length > 0) {
    out.push('## ⚠ PROBLEMS: these figures are suspect');
    out.push('');
    for (const p of report.problems) out.push(`- ${p}`);
    out.push('');
  }
  out.push('## Results');
  out.push('');
  out.push(...resultsTable(report));
  out.push('');
  out.push('## Reference runs (the floors are built from these)');
  out.push('');
  out.push(...referenceTable(report));
  out.push('');
  out.push(...noiseLines(report));
  out.push('');
  out.push(
    `\`select 1\` on a warm direct connection: p50 ${ms(report.reference.directSelectOne.p50)} ms, p95 ${ms(report.reference.directSelectOne.p95)} ms. bcrypt compare at cost 10 in Node: p50 ${ms(report.reference.bcrypt.p50)} ms, p95 ${ms(report.reference.bcrypt.p95)} ms.${report.reference.jwtVerify ? ` Access-token verification (the Worker's code) in Node: p50 ${report.reference.jwtVerify.p50.toFixed(3)} ms, p95 ${report.reference.jwtVerify.p95.toFixed(3)} ms.` : ''}`,
  );
  out.push('');
  out.push('## Floors per scenario');
  out.push('');
  out.push(...floorTable(report));
  out.push('');
  out.push('## Targets (issue 7)');
  out.push('');
  out.push('| scenario | target | measured | met |');
  out.push('| --- | --- | --- | :---: |');
  for (const t of report.targets) {
    out.push(`| ${t.scenario} | ${t.target} | ${t.figure} | ${t.pass === null ? '–' : t.pass ? 'yes' : '**no**'} |`);
  }
  out.push('');
  if (report.photos) {
    const p = report.photos;
    const kB = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    out.push('## Photos (one client, sequential)');
    out.push('');
    out.push(
      `A ${p.photo.width}x${p.photo.height} photograph-like JPEG of ${(p.photo.bytes / 1048576).toFixed(2)} MiB, uploaded ${p.uploads} times into one listing.`,
    );
    out.push('');
    out.push('| measure | value |');
    out.push('| --- | --- |');
    out.push(
      `| one search page, ${p.page.cards} cards: originals | ${(p.page.originalBytes / 1048576).toFixed(1)} MiB |`,
    );
    out.push(`| the same page at \`w=320\`, WebP | ${kB(p.page.variantBytes)} (1/${p.page.ratio.toFixed(0)}) |`);
    out.push(`| cold variant (made, 320/640/1024 WebP): p50 / p95 | ${ms(p.coldMs.p50)} / ${ms(p.coldMs.p95)} ms |`);
    out.push(
      `| cached variant (a visitor: the edge cache, no database): p50 / p95 | ${ms(p.cachedMs.p50)} / ${ms(p.cachedMs.p95)} ms |`,
    );
    out.push(`| \`GET /health\` in the same run: p50 / p95 | ${ms(p.healthMs.p50)} / ${ms(p.healthMs.p95)} ms |`);
    out.push(
      `| stored variant (signed in: row lookup, R2): p50 / p95 | ${ms(p.storedMs.p50)} / ${ms(p.storedMs.p95)} ms |`,
    );
    out.push(`| upload with metadata stripping: p50 / p95 | ${ms(p.uploadMs.p50)} / ${ms(p.uploadMs.p95)} ms |`);
    out.push('');
  }
  if (report.alerts) {
    const a = report.alerts;
    const m = a.match;
    out.push('## Saved-search alerts (SQL, one client)');
    out.push('');
    out.push(
      `${n0(a.searches)} saved searches of ${n0(a.users)} users (filters set: ${Object.entries(a.mix)
        .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
        .join(', ')}).`,
    );
    out.push('');
    out.push('| measure | value |');
    out.push('| --- | --- |');
    out.push(
      `| one listing change: finding the searches it alerts (the statement's read), ${m.runs} runs: p50 / p95 / max | ${ms(m.readMs.p50)} / ${ms(m.readMs.p95)} / ${ms(m.readMs.max)} ms |`,
    );
    out.push(
      `| the whole matching statement (read, record the matches, queue the instant emails, stamp the searches): p50 / p95 / max | ${ms(m.ms.p50)} / ${ms(m.ms.p95)} / ${ms(m.ms.max)} ms |`,
    );
    out.push(`| the same statement, EXPLAIN ANALYZE execution time | ${ms(m.explainMs)} ms |`);
    out.push(`| matches per change: mean / max | ${m.matchesPerChange.mean.toFixed(1)} / ${m.matchesPerChange.max} |`);
    out.push(
      `| plan nodes reading saved_searches (the candidate scan runs once per event, no query per search; primary-key lookups are the stamping of the matched searches) | ${m.savedSearchScans.map((s) => `${s.node}${s.index ? ` on ${s.index}` : ''} ×${s.loops} (${s.rows} rows)`).join('; ') || '–'} |`,
    );
    out.push(`| a day's ${a.digest.changes} changes matched by the job | ${ms(a.digest.matchMs)} ms |`);
    out.push(
      `| daily digest run: ${n0(a.digest.digests)} digests, ${n0(a.digest.attached)} of ${n0(a.digest.pendingMatches)} pending matches, ${a.digest.batches} statements | ${ms(a.digest.ms)} ms |`,
    );
    out.push('');
  }
  out.push('## Captured SQL (one request per scenario)');
  out.push('');
  out.push(
    `Each statement with its p50 on the direct connection; EXPLAIN (ANALYZE, BUFFERS) under the slow ones (full text in the JSON).`,
  );
  out.push('');
  for (const s of report.scenarios) {
    if (!s.capture) continue;
    out.push(
      `- **${s.name}** (status ${s.capture.status}): ${s.capture.foregroundRoundTrips} round trip(s) before the response, ${s.capture.backgroundRoundTrips} after`,
    );
    const timed = s.sqlFloor?.perStatement ?? [];
    s.capture.statements.forEach((st, i) => {
      const t = timed[i];
      out.push(`  - ${t ? `${ms(t.p50)} ms: ` : ''}\`${st.replace(/`/g, "'")}\``);
      if (t?.plan) {
        out.push('', '    <details><summary>plan</summary>', '', '    ```');
        for (const line of t.plan.split('\n')) out.push(`    ${line}`);
        out.push('    ```', '', '    </details>', '');
      }
    });
    for (const st of s.capture.backgroundStatements) out.push(`  - (background) \`${st.replace(/`/g, "'")}\``);
  }
  out.push('');
  return out.join('\n');
}
