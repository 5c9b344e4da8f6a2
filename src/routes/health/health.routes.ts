import { z } from '@hono/zod-openapi';
import { defineRoute, jsonContent } from '../shared/openapi';

export const live = defineRoute(
  {
    operationId: 'getLiveness',
    description: 'Answers without touching the database: for the platform’s liveness probe.',
    method: 'get',
    path: '/health',
    tags: ['Service'],
    summary: 'Liveness: the Worker answers (no database call)',
    responses: {
      200: jsonContent(z.object({ status: z.literal('ok') }), 'The Worker is up'),
    },
  },
  [],
);

export const ready = defineRoute(
  {
    operationId: 'getReadiness',
    description: 'Runs one trivial query; 503 DB_UNAVAILABLE when the database does not answer in time.',
    method: 'get',
    path: '/health/ready',
    tags: ['Service'],
    summary: 'Readiness: the database answers',
    responses: {
      200: jsonContent(
        z.object({ status: z.literal('ok'), db: z.object({ latencyMs: z.number() }) }),
        'The Worker and its database are up',
      ),
    },
  },
  [],
);
