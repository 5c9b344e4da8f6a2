import type { SqlObservation } from '../local-db/neon-http';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * What the local Neon stand-in saw: every `POST /sql` (one round trip of the Worker's HTTP
 * driver), whether any is still running, and every WebSocket tunnel opened (the Pool path).
 * The benchmark resets it around each measurement and reads the counts and, for one request,
 * the statements.
 */
export class SqlObserver {
  private observations: SqlObservation[] = [];
  private tunnels = 0;
  /** Keeps the statements only while capturing one request; counting needs none of them. */
  private recording = false;
  private httpQueries = 0;
  private batches = 0;
  private statements = 0;
  private running = 0;
  private lastActivity = performance.now();
  private delayMs = 0;

  readonly hooks = {
    sql: {
      started: () => {
        this.running += 1;
        this.lastActivity = performance.now();
        if (this.recording && this.delayMs > 0) return sleep(this.delayMs);
      },
      finished: (observation: SqlObservation) => {
        this.running -= 1;
        this.lastActivity = performance.now();
        this.httpQueries += 1;
        if (observation.begin !== null) this.batches += 1;
        this.statements += observation.queries.length;
        if (this.recording) this.observations.push(observation);
      },
    },
    tunnel: () => {
      this.tunnels += 1;
      this.lastActivity = performance.now();
    },
  };

  /**
   * `record`: keep the statements. `delayMs`: hold each query that long first, so that a query
   * the response waits for always ends before the response, and work the Worker leaves in the
   * background (waitUntil) always ends after it.
   */
  reset(record = false, delayMs = 0): void {
    this.observations = [];
    this.recording = record;
    this.delayMs = delayMs;
    this.httpQueries = 0;
    this.batches = 0;
    this.statements = 0;
    this.tunnels = 0;
  }

  /**
   * Waits until no /sql request is running and none arrived for `quietMs` (work the Worker
   * finishes after a response, or after the load generator hung up), at most `maxMs`.
   * Returns false when it never got quiet. The default outlasts VIEW_FLUSH_MS (1 s): listing
   * detail writes its buffered views that long after a response.
   */
  async waitForQuiet(quietMs = 1250, maxMs = 30_000): Promise<boolean> {
    const deadline = performance.now() + maxMs;
    while (performance.now() < deadline) {
      if (this.running === 0 && performance.now() - this.lastActivity >= quietMs) return true;
      await sleep(Math.min(50, quietMs));
    }
    return false;
  }

  counts(): { httpQueries: number; batches: number; statements: number; wsTunnels: number } {
    return {
      httpQueries: this.httpQueries,
      batches: this.batches,
      statements: this.statements,
      wsTunnels: this.tunnels,
    };
  }

  recorded(): SqlObservation[] {
    return [...this.observations];
  }
}
