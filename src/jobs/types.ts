import type { Database } from '../db/client';
import type { Bindings, Config } from '../env';
import type { Logger } from '../lib/logger';

export interface JobContext {
  env: Bindings;
  config: Config;
  db: Database;
  ctx: ExecutionContext;
  logger: Logger;
  runId: string;
}

export interface JobResult {
  rowsAffected: number;
  details?: Record<string, unknown>;
}

export interface Job {
  name: string;
  description: string;
  /** How long a run may hold its lease before another run may take over. */
  leaseSeconds: number;
  /** Within an every-minute cron: run only in minutes divisible by this (no job_runs row otherwise). */
  everyMinutes?(env: Bindings): number;
  run(context: JobContext): Promise<JobResult>;
}
