import { createRoute, z } from '@hono/zod-openapi';
import { JOB_STATUSES, JOB_TRIGGERS } from '../../db/enums';
import { JOB_OUTCOME_STATUSES } from '../../jobs/run-job';
import { ALERT_KINDS } from '../../services/system/alerts';
import { jsonContent, problemResponses } from '../shared/openapi';
import { pageSchema } from '../shared/schemas';

const unavailable = z.object({ available: z.literal(false), reason: z.string() });

function section<T extends z.ZodRawShape>(name: string, shape: T) {
  return z.union([z.object({ available: z.literal(true), ...shape }), unavailable]).openapi(name);
}

const timestamp = z.iso.datetime().nullable();

export const DatabaseOverviewSchema = z
  .object({
    generatedAt: z.iso.datetime(),
    server: section('SystemServer', { version: z.string(), database: z.string(), role: z.string() }),
    connections: section('SystemConnections', {
      total: z.number().int(),
      byState: z.record(z.string(), z.number().int()),
    }),
    tables: section('SystemTables', {
      data: z.array(
        z.object({
          table: z.string(),
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
          table: z.string(),
          index: z.string(),
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
          name: z.string(),
          lastRun: z
            .object({
              id: z.uuid(),
              status: z.enum(JOB_STATUSES),
              trigger: z.enum(JOB_TRIGGERS),
              startedAt: z.iso.datetime(),
              finishedAt: timestamp,
              rowsAffected: z.number().int().nullable(),
              error: z.string().nullable(),
            })
            .nullable(),
        }),
      ),
    }),
    notifications: section('SystemNotifications', {
      pending: z.number().int(),
      sending: z.number().int(),
      dead: z.number().int(),
      sent: z.number().int(),
    }),
    slowStatements: section('SystemSlowStatements', {
      data: z.array(
        z.object({ query: z.string(), calls: z.number(), meanMs: z.number(), totalMs: z.number(), rows: z.number() }),
      ),
    }),
    lockWaits: section('SystemLockWaits', {
      data: z.array(
        z.object({
          pid: z.number().int(),
          lockType: z.string(),
          mode: z.string(),
          relation: z.string().nullable(),
          waitingSeconds: z.number().nullable(),
          blockedBy: z.array(z.number().int()),
        }),
      ),
    }),
  })
  .openapi('DatabaseOverview');

export const JobOutcomeSchema = z
  .object({
    runId: z.uuid(),
    name: z.string(),
    status: z.enum(JOB_OUTCOME_STATUSES),
    rowsAffected: z.number().int(),
    details: z.record(z.string(), z.unknown()).optional(),
    error: z.string().optional(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
  })
  .openapi('JobOutcome');

export const getDatabaseOverview = createRoute({
  method: 'get',
  path: '/v1/admin/system/db',
  tags: ['System'],
  summary:
    'Database health: connections, table sizes, index usage, vacuum state, job runs, slow statements, lock waits',
  description:
    'Each section is `{available: false, reason}` when its statistics view is missing on this server (PGlite, no pg_stat_statements).',
  security: [{ bearerAuth: [] }],
  responses: {
    200: jsonContent(DatabaseOverviewSchema, 'The current state of the database'),
    ...problemResponses(401, 403),
  },
});

export const runJobNow = createRoute({
  method: 'post',
  path: '/v1/admin/system/jobs/{name}',
  tags: ['System'],
  summary: 'Run one scheduled job now and return its recorded outcome',
  description:
    'The run is recorded in job_runs like a cron run. While another run holds the job’s lease the answer is `status: "skipped"`.',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({
      name: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,63}$/)
        .openapi({ param: { name: 'name', in: 'path' }, example: 'retention' }),
    }),
  },
  responses: {
    200: jsonContent(JobOutcomeSchema, 'The outcome of the run'),
    ...problemResponses(401, 403, 404, 422),
  },
});

export const AlertSchema = z
  .object({
    id: z.uuid(),
    key: z.string().openapi({ example: 'job_failed:retention' }),
    kind: z.enum(ALERT_KINDS),
    summary: z.string(),
    details: z.record(z.string(), z.unknown()),
    openedAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    notifiedAt: timestamp,
    notifications: z.number().int(),
    resolvedAt: timestamp,
  })
  .openapi('Alert');

export const listAlerts = createRoute({
  method: 'get',
  path: '/v1/admin/system/alerts',
  tags: ['System'],
  summary: 'Operational alerts, newest first: failed or abandoned jobs, dead emails, stalled dashboards, old backups',
  description:
    'One alert per distinct problem while it lasts (`resolvedAt` null), checked every few minutes. Every active super admin is emailed when it opens, once a day while it lasts, and when it is resolved.',
  security: [{ bearerAuth: [] }],
  request: {
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(100).default(20),
        cursor: z.string().max(200).optional(),
        status: z.enum(['open', 'resolved']).optional(),
      })
      .strict(),
  },
  responses: {
    200: jsonContent(pageSchema(AlertSchema), 'A page of alerts'),
    ...problemResponses(401, 403, 422),
  },
});
