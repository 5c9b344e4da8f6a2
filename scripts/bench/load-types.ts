/** What the parent hands the load process, and what it gets back. */

export interface LoadRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A file whose bytes are the body (large uploads: read once by the load process). */
  bodyFile?: string;
}

export interface LoadSpec {
  baseUrl: string;
  connections: number;
  durationSec: number | null;
  /**
   * Requests in the measured run. Null: as many as the warm-up's pace fits into durationSec
   * (a count, not a deadline, so that no request is cut off and the counts per request hold).
   */
  amount: number | null;
  /** The fewest requests in the measured run. */
  minAmount: number;
  /** Requests sent (and not measured) before the run; also sets the pace for `durationSec`. */
  warmup: number;
  /** Sent in order, shared by all connections, wrapping around when exhausted. */
  requests: LoadRequest[];
  /** A response header whose values are counted (e.g. X-Cache). */
  trackHeader?: string;
  timeoutSec: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export interface LoadResult {
  /** Responses received (any status). */
  requests: number;
  durationSec: number;
  rps: number;
  /** Milliseconds, from autocannon's per-request timings (full float precision). */
  latency: Percentiles;
  statuses: Record<string, number>;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  headerCounts: Record<string, number>;
  errorSamples: string[];
  bytesPerSec: number;
}

/** Nearest-rank percentiles of a sample, in its unit. */
export function percentiles(values: number[]): Percentiles {
  if (values.length === 0)
    return { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, mean: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

export function summarize(input: {
  latencies: number[];
  durationSec: number;
  statuses: Record<string, number>;
  headerCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  errorSamples: string[];
  bytes: number;
}): LoadResult {
  const requests = input.latencies.length;
  const non2xx = Object.entries(input.statuses)
    .filter(([status]) => !status.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  const duration = input.durationSec > 0 ? input.durationSec : 1;
  return {
    requests,
    durationSec: input.durationSec,
    rps: requests / duration,
    latency: percentiles(input.latencies),
    statuses: input.statuses,
    non2xx,
    errors: input.errors,
    timeouts: input.timeouts,
    headerCounts: input.headerCounts,
    errorSamples: input.errorSamples,
    bytesPerSec: input.bytes / duration,
  };
}
