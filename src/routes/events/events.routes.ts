import { createRoute, z } from '@hono/zod-openapi';
import { rateLimit } from '../../middleware/rate-limit';
import { CLIENT_EVENT_TYPES } from '../../services/analytics/event-types';
import { jsonBody, jsonContent, problemResponses } from '../shared/openapi';

const MAX_METADATA_BYTES = 2048;

const MetadataSchema = z
  .record(z.string().min(1).max(64), z.union([z.string().max(500), z.number().finite(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= 20, 'at most 20 keys')
  .refine((m) => new TextEncoder().encode(JSON.stringify(m)).length <= MAX_METADATA_BYTES, {
    message: `at most ${MAX_METADATA_BYTES} bytes as JSON`,
  })
  .openapi({ description: 'Flat object of strings, numbers, booleans; at most 20 keys and 2 KB.' });

export const EventsBodySchema = z
  .object({
    events: z
      .array(
        z
          .object({
            type: z.enum(CLIENT_EVENT_TYPES),
            propertyId: z.uuid().optional(),
            metadata: MetadataSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(50),
  })
  .strict()
  .openapi('EventsRequest');

export const recordEventsRoute = createRoute({
  method: 'post',
  path: '/v1/events',
  tags: ['Analytics'],
  summary: 'Record up to 50 analytics events from a browser',
  description: 'Events naming an unknown or unpublished listing are dropped. Only a truncated IP is stored.',
  middleware: [rateLimit('EVENTS_RATE_LIMITER', 'events')] as const,
  request: { body: jsonBody(EventsBodySchema) },
  responses: {
    202: jsonContent(z.object({ accepted: z.number().int() }), 'The events were recorded'),
    ...problemResponses(400, 413, 415, 422, 429),
  },
});
