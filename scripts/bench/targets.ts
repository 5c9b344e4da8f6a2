import type { BenchReport, ScenarioReport, ScenarioRun, TargetCheck } from './report';

const FLOOR_BOUND = [
  'search',
  'search-fulltext',
  'search-geo',
  'detail-cold',
  'facets',
  'dashboard',
  'dashboard-fresh',
];
/** Authenticated routes count their session check too: one round trip means it is batched. */
const ONE_ROUND_TRIP = [...FLOOR_BOUND, 'inquiry', 'upload'];

/** 10× better than the seed's promises (100 ms queries, 50 ms auth, 200 ms inquiry, 2 s upload, 300 ms dashboard). */
const TENFOLD_MS: Record<string, number> = {
  search: 10,
  'search-fulltext': 10,
  'search-geo': 10,
  'detail-cold': 10,
  'detail-cached': 10,
  facets: 10,
  me: 5,
  inquiry: 20,
  upload: 200,
  dashboard: 30,
  'dashboard-fresh': 30,
};

const f = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));

/** The targets: p50 at the lowest concurrency (1), p95 at the highest (50). */
export function evaluateTargets(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const levels = report.config.concurrency;
  const low = Math.min(...levels);
  const high = Math.max(...levels);
  const add = (scenario: string, target: string, figure: string, pass: boolean | null) =>
    checks.push({ scenario, target, figure, pass });
  const at = (s: ScenarioReport, c: number): ScenarioRun | undefined => s.runs.find((r) => r.concurrency === c);

  for (const s of report.scenarios) {
    if (s.state !== 'measured') continue;
    const lo = at(s, low);
    const hi = at(s, high);
    if (FLOOR_BOUND.includes(s.name)) {
      if (lo?.ratio)
        add(s.name, `p50 at ${low} client(s) ≤ 1.5× floor`, `${lo.ratio.p50.toFixed(2)}×`, lo.ratio.p50 <= 1.5);
      if (hi?.ratio)
        add(s.name, `p95 at ${high} clients ≤ 1.5× floor`, `${hi.ratio.p95.toFixed(2)}×`, hi.ratio.p95 <= 1.5);
    }
    if (s.capture && ONE_ROUND_TRIP.includes(s.name)) {
      const n = s.capture.foregroundRoundTrips;
      add(
        s.name,
        'one database round trip per request',
        `${n} (+ ${s.capture.backgroundRoundTrips} in the background)`,
        n <= 1,
      );
    }
    if (s.capture && s.name === 'me') {
      add(
        s.name,
        'session check: one indexed lookup (batching it with the route’s own query is the open question)',
        `${s.capture.foregroundRoundTrips} round trips (+ ${s.capture.backgroundRoundTrips} in the background)`,
        null,
      );
    }
    if (s.name === 'detail-cached') {
      const most = Math.max(...s.runs.map((r) => r.db.roundTrips));
      add(s.name, 'no database round trip on a cache hit', `${most.toFixed(2)} per request`, most === 0);
      for (const r of s.runs) {
        const health = report.reference.health.find((h) => h.concurrency === r.concurrency);
        if (!health) continue;
        add(
          s.name,
          `req/s ≥ GET /health at ${r.concurrency} client(s)`,
          `${Math.round(r.load.rps)} vs ${Math.round(health.start.rps)}`,
          r.load.rps >= health.start.rps,
        );
      }
    }
    if (s.name === 'login' && lo && s.bcrypt) {
      const over = lo.load.latency.p50 - s.bcrypt.p50;
      add(s.name, 'p50 ≤ bcrypt compare + 5 ms', `bcrypt ${f(s.bcrypt.p50)} ms + ${f(over)} ms`, over <= 5);
    }
    const jwt = report.reference.jwtVerify;
    if (s.name === 'me' && jwt) {
      add(
        s.name,
        'JWT verification ≤ 0.5 ms (measured in Node)',
        `p50 ${jwt.p50.toFixed(3)} ms, p95 ${jwt.p95.toFixed(3)} ms`,
        jwt.p95 <= 0.5,
      );
    }
    if (s.name === 'me' && lo) {
      const ready = report.reference.ready.find((r) => r.concurrency === low);
      if (ready) {
        add(
          s.name,
          'JWT verify + session check over one trivial round trip',
          `p50 ${f(lo.load.latency.p50)} ms − /health/ready ${f(ready.start.latency.p50)} ms = ${f(lo.load.latency.p50 - ready.start.latency.p50)} ms`,
          null,
        );
      }
    }
    const tenfold = TENFOLD_MS[s.name];
    if (tenfold !== undefined) {
      if (lo)
        add(
          s.name,
          `p50 at ${low} ≤ ${tenfold} ms (10× the seed's target)`,
          `${f(lo.load.latency.p50)} ms`,
          lo.load.latency.p50 <= tenfold,
        );
      if (hi)
        add(
          s.name,
          `p95 at ${high} ≤ ${tenfold} ms (10× the seed's target)`,
          `${f(hi.load.latency.p95)} ms`,
          hi.load.latency.p95 <= tenfold,
        );
    }
  }
  const alerts = report.alerts;
  if (alerts) {
    const full = alerts.searches >= 100_000;
    add(
      'alerts',
      'one listing change vs 100,000 saved searches: finding its searches p95 ≤ 50 ms, one statement',
      `${f(alerts.match.readMs.p95)} ms over ${alerts.searches.toLocaleString('en-US')} searches`,
      full ? alerts.match.readMs.p95 <= 50 : null,
    );
    add(
      'alerts',
      'the whole matching statement, with its writes (informational)',
      `p50 ${f(alerts.match.ms.p50)} ms, p95 ${f(alerts.match.ms.p95)} ms, ${alerts.match.matchesPerChange.mean.toFixed(0)} matches per change`,
      null,
    );
  }
  return checks;
}
