import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const SCENARIO_NAMES = [
  'search',
  'search-fulltext',
  'search-geo',
  'detail-cold',
  'detail-cached',
  'facets',
  'login',
  'me',
  'inquiry',
  'upload',
  'dashboard',
  'dashboard-fresh',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchConfig {
  /** A PostgreSQL server URL (a fresh database is created on it), or `embedded` for in-memory PGlite. */
  databaseUrl: string;
  /** Reuse this database as it is (a name on the server, kept by an earlier BENCH_KEEP_DB run): no load. */
  reuseDatabase: string | null;
  keepDatabase: boolean;
  /** Multiplies every dataset size (1 = 100,000 listings). */
  scale: number;
  concurrency: number[];
  /** Seconds per scenario and concurrency level (ignored when `requests` is set). */
  durationSec: number;
  /** A fixed request count per scenario and level instead of a duration. */
  requests: number | null;
  /** Requests sent before each measured run (not counted). */
  warmupRequests: number;
  /** Replays of each scenario's captured SQL on the direct connection. */
  floorSamples: number;
  scenarios: ScenarioName[];
  outDir: string;
  /** Exit non-zero when any non-2xx or connection error was seen. */
  failOnErrors: boolean;
  /** Also print wrangler's output (it always goes to a *.log.tmp file in outDir). */
  verbose: boolean;
  /** Drive the load from this process instead of a child (the smoke test: faster, timings not meaningful). */
  inProcessLoad: boolean;
  /** Photos the photo benchmark uploads (a search page of cards); 0 skips it. Default 20. */
  photos?: number;
  /** The saved-search alert benchmark (100,000 × scale searches); BENCH_ALERTS=0 skips it. Default on. */
  alerts?: boolean;
}

function num(name: string, fallback: number, min: number, integer = true): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a number >= ${min}${integer ? ' (whole)' : ''}, got "${raw}"`);
  }
  return value;
}

function flag(name: string): boolean {
  const raw = process.env[name];
  return raw !== undefined && raw !== '' && raw !== '0' && raw.toLowerCase() !== 'false';
}

export function configFromEnv(overrides: Partial<BenchConfig> = {}): BenchConfig {
  const concurrency = (process.env.BENCH_CONCURRENCY ?? '1,10,50').split(',').map((v) => Number(v.trim()));
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 1000)) {
    throw new Error(
      `BENCH_CONCURRENCY must be a list of whole numbers 1..1000, got "${process.env.BENCH_CONCURRENCY}"`,
    );
  }
  const wanted = process.env.BENCH_SCENARIOS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted?.filter((s) => !(SCENARIO_NAMES as readonly string[]).includes(s)) ?? [];
  if (unknown.length > 0)
    throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${SCENARIO_NAMES.join(', ')})`);
  const reuse = process.env.BENCH_REUSE?.trim();
  return {
    databaseUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    reuseDatabase: reuse ? reuse : null,
    keepDatabase: flag('BENCH_KEEP_DB') || Boolean(reuse),
    scale: num('BENCH_SCALE', 1, 0.0001, false),
    concurrency,
    durationSec: num('BENCH_DURATION', 5, 1),
    requests: process.env.BENCH_REQUESTS ? num('BENCH_REQUESTS', 0, 1) : null,
    warmupRequests: num('BENCH_WARMUP', 20, 0),
    floorSamples: num('BENCH_FLOOR_SAMPLES', 100, 5),
    scenarios: (wanted as ScenarioName[] | undefined) ?? [...SCENARIO_NAMES],
    outDir: process.env.BENCH_OUT || `${ROOT}bench/results`,
    failOnErrors: !flag('BENCH_ALLOW_ERRORS'),
    verbose: flag('BENCH_VERBOSE'),
    inProcessLoad: false,
    photos: num('BENCH_PHOTOS', 20, 0),
    alerts: process.env.BENCH_ALERTS === undefined || flag('BENCH_ALERTS'),
    ...overrides,
  };
}
