import { createRoute, z } from '@hono/zod-openapi';
import { jsonContent, problemResponses } from '../shared/openapi';

export const live = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Service'],
  summary: 'Liveness: the Worker answers (no database call)',
  responses: {
    200: jsonContent(z.object({ status: z.literal('ok') }), 'The Worker is up'),
  },
});

export const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  tags: ['Service'],
  summary: 'Readiness: the database answers',
  responses: {
    200: jsonContent(
      z.object({ status: z.literal('ok'), db: z.object({ latencyMs: z.number() }) }),
      'The Worker and its database are up',
    ),
    ...problemResponses(),
  },
});
