import { z } from '@hono/zod-openapi';
import { JOB_STATUSES, JOB_TRIGGERS } from '../../db/enums';
import { JOB_ERROR_MAX, JOB_OUTCOME_STATUSES } from '../../jobs/run-job';
import { UuidSchema } from '../../lib/uuid';
import { ALERT_KINDS } from '../../services/system/alerts';
import { LOCK_WAITS_LIMIT, SLOW_QUERY_MAX, SLOW_STATEMENTS_LIMIT } from '../../services/system/db-stats';
import { defineRoute, jsonContent } from '../shared/openapi';
import { CountSchema, pageQuery, pageSchema } from '../shared/schemas';

const unavailable = z.object({
  available: z.literal(false),
  reason: z
    .string()
    .max(500)
    .regex(/^\P{Cc}*$/u),
});

function section<T extends z.ZodRawShape>(name: string, shape: T) {
  return z.union([z.object({ available: z.literal(true), ...shape }), unavailable]).openapi(name);
}

const instant = () => z.iso.datetime().max(40);
const timestamp = instant().nullable();

// Bounded for the document (OWASP API4): sizes and counts fit a bigint, names are PostgreSQL identifiers.
const bigCount = () => z.int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).openapi({ format: 'int64' });
const relationName = () =>
  z
    .string()
    .max(63)
    .regex(/^[a-z_][a-z0-9_$]*$/);
const day = () => z.iso.date().max(10);
/** A job's name, as the registry (jobs/registry.ts) spells them. */
const JobName = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9-]{0,63}$/);
/** job_runs.rows_affected: an integer column. */
const RowsAffected = z.int32();
/** pg_locks.locktype and .mode: one ASCII word (`relation`, `transactionid`, `ShareUpdateExclusiveLock`, ...). */
const LockWord = z
  .string()
  .max(32)
  .regex(/^[A-Za-z]+$/);
/** A server process id (int4 in pg_stat_activity). */
const Pid = z.int().min(1).max(2_147_483_647).openapi({ format: 'int32' });

const growthWindow = z
  .object({
    since: day(),
    days: z.int().min(0).max(3650).openapi({ format: 'int32' }),
    bytes: bigCount(),
    rows: bigCount().nullable(),
    bytesPerDay: z.number().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  })
  .nullable()
  .openapi('SystemGrowthWindow');

export const DatabaseOverviewSchema = z
  .object({
    generatedAt: z.iso.datetime().max(40),
    server: section('SystemServer', {
      version: z.string(),
      // PostgreSQL names: at most 63 bytes (NAMEDATALEN - 1).
      database: z.string().max(63),
      role: z.string().max(63),
    }),
    connections: section('SystemConnections', {
      total: CountSchema,
      byState: z.record(z.string(), CountSchema),
    }),
    tables: section('SystemTables', {
      data: z.array(
        z.object({
          table: relationName(),
          totalBytes: z.number(),
          tableBytes: z.number(),
          liveTuples: z.number(),
          deadTuples: z.number(),
          seqScans: z.number(),
          indexScans: z.number().nullable(),
          lastVacuum: timestamp,
          lastAutovacuum: timestamp,
          lastAnalyze: timestamp,
          lastAutoanalyze: timestamp,
        }),
      ),
    }),
    indexes: section('SystemIndexes', {
      data: z.array(
        z.object({
          table: relationName(),
          index: relationName(),
          bytes: z.number(),
          scans: z.number(),
          tuplesRead: z.number(),
          tuplesFetched: z.number(),
        }),
      ),
    }),
    jobs: section('SystemJobs', {
      data: z.array(
        z.object({
          name: JobName,
          lastRun: z
            .object({
              id: UuidSchema,
              status: z.enum(JOB_STATUSES),
              trigger: z.enum(JOB_TRIGGERS),
              startedAt: z.iso.datetime().max(40),
              finishedAt: timestamp,
              rowsAffected: RowsAffected.nullable(),
              error: z.string().max(JOB_ERROR_MAX).nullable(),
            })
            .nullable(),
        }),
      ),
    }),
    notifications: section('SystemNotifications', {
      pending: CountSchema,
      sending: CountSchema,
      dead: CountSchema,
      sent: CountSchema,
    }),
    slowStatements: section('SystemSlowStatements', {
      data: z
        .array(
          z.object({
            query: z.string().max(SLOW_QUERY_MAX),
            calls: z.number(),
            meanMs: z.number(),
            totalMs: z.number(),
            rows: z.number(),
          }),
        )
        .max(SLOW_STATEMENTS_LIMIT),
    }),
    lockWaits: section('SystemLockWaits', {
      data: z
        .array(
          z.object({
            pid: Pid,
            lockType: LockWord,
            mode: LockWord,
            relation: z.string().nullable(),
            waitingSeconds: z.number().nullable(),
            blockedBy: z.array(Pid),
          }),
        )
        .max(LOCK_WAITS_LIMIT),
    }),
    growth: section('SystemGrowth', {
      thresholdBytes: bigCount().openapi({ description: 'TABLE_SIZE_THRESHOLD_BYTES' }),
      data: z
        .array(
          z.object({
            relation: relationName(),
            kind: z.enum(['table', 'index']),
            table: relationName(),
            sampledOn: day(),
            bytes: bigCount().openapi({ description: 'A table: heap, TOAST and indexes; an index: itself' }),
            estimatedRows: bigCount().nullable(),
            growth7d: growthWindow,
            growth30d: growthWindow,
            daysUntilThreshold: bigCount()
              .nullable()
              .openapi({ description: 'At the 7-day pace (else the 30-day one); null when not growing' }),
          }),
        )
        .max(1000),
    }),
  })
  .openapi('DatabaseOverview');

export const JobOutcomeSchema = z
  .object({
    runId: UuidSchema,
    name: JobName,
    status: z.enum(JOB_OUTCOME_STATUSES),
    rowsAffected: RowsAffected,
    details: z.record(z.string(), z.unknown()).optional(),
    error: z.string().optional(),
    startedAt: z.iso.datetime().max(40),
    finishedAt: z.iso.datetime().max(40),
  })
  .openapi('JobOutcome');

export const getDatabaseOverview = defineRoute(
  {
    operationId: 'getDatabaseOverview',
    method: 'get',
    path: '/v1/admin/system/db',
    tags: ['System'],
    summary:
      'Database health: connections, table sizes and growth, index usage, vacuum state, job runs, slow statements, lock waits',
    description:
      'Each section is `{available: false, reason}` when its statistics view is missing on this server (PGlite, no pg_stat_statements).',
    security: [{ adminBearerAuth: [] }],
    responses: {
      200: jsonContent(DatabaseOverviewSchema, 'The current state of the database'),
    },
  },
  [],
);

export const runJobNow = defineRoute(
  {
    operationId: 'runJob',
    method: 'post',
    path: '/v1/admin/system/jobs/{name}',
    tags: ['System'],
    summary: 'Run one scheduled job now and return its recorded outcome',
    description:
      'The run is recorded in job_runs like a cron run. While another run holds the job’s lease the answer is `status: "skipped"`.',
    security: [{ adminBearerAuth: [] }],
    request: {
      params: z.object({
        name: JobName.openapi({ param: { name: 'name', in: 'path' }, example: 'retention' }),
      }),
    },
    responses: {
      200: jsonContent(JobOutcomeSchema, 'The outcome of the run'),
    },
  },
  ['JOB_NOT_FOUND'],
);

export const AlertSchema = z
  .object({
    id: UuidSchema,
    key: z
      .string()
      .max(200)
      .regex(/^[a-z][a-z0-9_:.-]*$/)
      .openapi({ example: 'job_failed:retention' }),
    kind: z.enum(ALERT_KINDS),
    summary: z
      .string()
      .max(500)
      .regex(/^\P{Cc}*$/u),
    details: z.record(z.string().max(100), z.unknown()),
    openedAt: instant(),
    lastSeenAt: instant(),
    notifiedAt: timestamp,
    notifications: z.int().min(0).max(1_000_000).openapi({ format: 'int32' }),
    resolvedAt: timestamp,
  })
  .openapi('Alert');

export const listAlerts = defineRoute(
  {
    operationId: 'listAlerts',
    method: 'get',
    path: '/v1/admin/system/alerts',
    tags: ['System'],
    summary: 'Operational alerts, newest first: failed or abandoned jobs, dead emails, stalled dashboards, old backups',
    description:
      'One alert per distinct problem while it lasts (`resolvedAt` null), checked every few minutes. Every active super admin is emailed when it opens, once a day while it lasts, and when it is resolved.',
    security: [{ adminBearerAuth: [] }],
    request: {
      query: z
        .object({
          ...pageQuery,
          status: z.enum(['open', 'resolved']).optional(),
        })
        .strict(),
    },
    responses: {
      200: jsonContent(pageSchema(AlertSchema), 'A page of alerts'),
    },
  },
  ['INVALID_CURSOR'],
);
