import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { type LoadRequest, type LoadResult, type LoadSpec, summarize } from './load-types';

/**
 * autocannon over a LoadSpec: the warm-up, then `beforeRun` (the caller resets its counters),
 * then the measured run, which always waits for every response. Requests are taken in order by
 * all connections together.
 */
export async function driveLoad(spec: LoadSpec, beforeRun: () => Promise<void> | void): Promise<LoadResult> {
  const bodies = new Map<string, Buffer>();
  const bodyOf = (r: LoadRequest): string | Buffer | undefined => {
    if (r.bodyFile === undefined) return r.body;
    let body = bodies.get(r.bodyFile);
    if (!body) {
      body = readFileSync(r.bodyFile);
      bodies.set(r.bodyFile, body);
    }
    return body;
  };
  let next = 0;
  const tracked = spec.trackHeader?.toLowerCase();

  const run = (limit: { amount: number } | { duration: number }, connections: number): Promise<LoadResult> => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const headerCounts: Record<string, number> = {};
    const errorSamples: string[] = [];
    // autocannon notices the end of a request-count run on its next one-second tick, so its own
    // duration (and req/s) would include up to a second of idle time: time the run here.
    const startedAt = performance.now();
    let lastResponseAt = startedAt;
    return new Promise((resolve, reject) => {
      const instance = autocannon(
        {
          url: spec.baseUrl,
          connections,
          pipelining: 1,
          timeout: spec.timeoutSec,
          ...limit,
          requests: [
            {
              setupRequest: (request) => {
                const r = spec.requests[next % spec.requests.length] as LoadRequest;
                next += 1;
                return { ...request, method: r.method, path: r.path, headers: r.headers ?? {}, body: bodyOf(r) };
              },
              onResponse: (status, body, _context, headers) => {
                statuses[status] = (statuses[status] ?? 0) + 1;
                if (tracked && headers) {
                  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === tracked);
                  const value = entry ? String(entry[1]) : '(none)';
                  headerCounts[value] = (headerCounts[value] ?? 0) + 1;
                }
                if ((status < 200 || status > 299) && errorSamples.length < 3) {
                  errorSamples.push(`${status} ${String(body).slice(0, 300)}`);
                }
              },
            },
          ],
        },
        (error, result) => {
          if (error) {
            reject(error);
            return;
          }
          resolve(
            summarize({
              latencies,
              durationSec: (lastResponseAt - startedAt) / 1000,
              statuses,
              headerCounts,
              errors: result.errors,
              timeouts: result.timeouts,
              errorSamples,
              bytes: result.throughput.total,
            }),
          );
        },
      );
      instance.on('response', (_client, _status, _bytes, responseTime) => {
        latencies.push(responseTime);
        lastResponseAt = performance.now();
      });
      instance.on('reqError', (error) => {
        if (errorSamples.length < 3) errorSamples.push(`error ${(error as Error).message}`);
      });
    });
  };

  const warm = spec.warmup > 0 ? await run({ amount: spec.warmup }, Math.min(spec.connections, spec.warmup)) : null;
  const paced = warm && warm.rps > 0 ? Math.round((spec.durationSec ?? 5) * warm.rps) : spec.minAmount;
  await beforeRun();
  return run({ amount: spec.amount ?? Math.max(spec.minAmount, paced) }, spec.connections);
}
