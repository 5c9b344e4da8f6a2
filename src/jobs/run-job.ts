import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { createDb } from '../db/client';
import type { JobStatus, JobTrigger } from '../db/enums';
import { type Bindings, getConfig } from '../env';
import { createLogger } from '../lib/logger';
import { type AuditContext, auditInsertWhere } from '../services/audit/record';
import { JOBS } from './registry';

/** A failed run's message is stored cut to this many characters. */
export const JOB_ERROR_MAX = 2000;

/** What a run ends as; `running` and `abandoned` are states of the job_runs row, never an outcome. */
export const JOB_OUTCOME_STATUSES = ['succeeded', 'failed', 'skipped'] as const satisfies readonly JobStatus[];

export interface JobRunOutcome {
  runId: string;
  name: string;
  status: (typeof JOB_OUTCOME_STATUSES)[number];
  rowsAffected: number;
  details?: Record<string, unknown>;
  error?: string;
  startedAt: string;
  finishedAt: string;
}

/**
 * Runs one job and records it in job_runs. At most one run of a job holds the lease at a
 * time (partial unique index on running rows); a concurrent start records `skipped`, and a
 * run whose lease has passed (a crashed Worker) is marked `abandoned` and taken over.
 */
export async function runJob(
  env: Bindings,
  ctx: ExecutionContext,
  name: string,
  trigger: JobTrigger,
  /** Who started a manual run: recorded in the audit log in the batch that starts (or skips) it. */
  audit?: AuditContext,
): Promise<JobRunOutcome> {
  const job = JOBS[name];
  if (!job) throw new Error(`Unknown job ${name}`);
  const config = getConfig(env);
  const db = createDb(config);
  const runId = uuidv7();
  const logger = createLogger({ job: name, runId }, config.LOG_LEVEL);
  const startedAt = new Date();
  const lease = `${job.leaseSeconds} seconds`;

  // One batch, one transaction: expire a dead lease, try to take it, or record the skip.
  const [, taken] = await db.batch([
    db.execute(sql`
      update job_runs set status = 'abandoned', finished_at = now(), error = 'lease expired before the run finished'
      where name = ${name} and status = 'running' and lease_until < now()`),
    db.execute(sql`
      insert into job_runs (id, name, trigger, status, started_at, lease_until)
      values (${runId}, ${name}, ${trigger}, 'running', now(), now() + ${lease}::interval)
      on conflict (name) where status = 'running' do nothing
      returning id`),
    db.execute(sql`
      insert into job_runs (id, name, trigger, status, started_at, finished_at, error)
      select ${runId}, ${name}, ${trigger}, 'skipped', now(), now(), 'another run holds the lease'
      where not exists (select 1 from job_runs where id = ${runId})`),
    ...(audit
      ? [
          auditInsertWhere(
            db,
            audit,
            {
              action: 'job.run',
              targetType: 'job',
              targetId: name,
              after: sql`jsonb_build_object('runId', id, 'trigger', trigger, 'status', status)`,
            },
            sql`from job_runs where id = ${runId}`,
          ),
        ]
      : []),
  ]);

  if (taken.rows.length === 0) {
    logger.info('job skipped: another run holds the lease');
    const now = new Date().toISOString();
    return { runId, name, status: 'skipped', rowsAffected: 0, startedAt: startedAt.toISOString(), finishedAt: now };
  }

  try {
    const result = await job.run({ env, config, db, ctx, logger, runId });
    await db.execute(sql`
      update job_runs set status = 'succeeded', finished_at = now(), lease_until = null,
        rows_affected = ${result.rowsAffected}, result = ${JSON.stringify(result.details ?? {})}::jsonb
      where id = ${runId}`);
    logger.info('job succeeded', { rowsAffected: result.rowsAffected });
    return {
      runId,
      name,
      status: 'succeeded',
      rowsAffected: result.rowsAffected,
      details: result.details,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error('job failed', { error: message });
    // If the database itself is gone this fails too; the lease then expires and the next run takes over.
    await db
      .execute(sql`
        update job_runs set status = 'failed', finished_at = now(), lease_until = null, error = ${message.slice(0, JOB_ERROR_MAX)}
        where id = ${runId}`)
      .catch(() => undefined);
    return {
      runId,
      name,
      status: 'failed',
      rowsAffected: 0,
      error: message,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    };
  }
}
