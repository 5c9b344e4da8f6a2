import type { SqlObservation } from '../local-db/neon-http';

/**
 * What the local Neon stand-in saw: every answered `POST /sql` (one round trip of the Worker's
 * HTTP driver) and every WebSocket tunnel opened (the Pool path). The benchmark resets it
 * around each measurement and reads the counts and, for one request, the statements.
 */
export class SqlObserver {
  private observations: SqlObservation[] = [];
  private tunnels = 0;
  /** Keeps the statements only while capturing one request; counting needs none of them. */
  private recording = false;
  private httpQueries = 0;
  private batches = 0;
  private statements = 0;

  readonly hooks = {
    sql: (observation: SqlObservation) => {
      this.httpQueries += 1;
      if (observation.begin !== null) this.batches += 1;
      this.statements += observation.queries.length;
      if (this.recording) this.observations.push(observation);
    },
    tunnel: () => {
      this.tunnels += 1;
    },
  };

  reset(record = false): void {
    this.observations = [];
    this.recording = record;
    this.httpQueries = 0;
    this.batches = 0;
    this.statements = 0;
    this.tunnels = 0;
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
