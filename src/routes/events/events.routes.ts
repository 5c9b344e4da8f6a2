import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../../lib/uuid';
import { rateLimit } from '../../middleware/rate-limit';
import { CLIENT_EVENT_TYPES } from '../../services/analytics/event-types';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';

// Enough for what a page reports (a search's filters, a photo's index); every event is kept for
// RETENTION_ANALYTICS_DAYS, so what one client can store per event stays small.
const MAX_METADATA_BYTES = 512;
const MAX_METADATA_KEYS = 10;
const MIN_KEY = 1;
const MAX_KEY = 40;
/** The most events one request may carry (and so the most it can accept). */
const MAX_EVENTS = 50;

const MetadataSchema = z
  .record(
    z.string().min(MIN_KEY).max(MAX_KEY),
    z.union([z.string().max(200), z.number().finite(), z.boolean(), z.null()]),
  )
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`)
  .refine((m) => new TextEncoder().encode(JSON.stringify(m)).length <= MAX_METADATA_BYTES, {
    message: `at most ${MAX_METADATA_BYTES} bytes as JSON`,
  })
  .openapi({
    description: `Flat object of strings (at most 200 characters), numbers, booleans and nulls; at most ${MAX_METADATA_KEYS} keys of at most 40 characters, and ${MAX_METADATA_BYTES} bytes as JSON.`,
    maxProperties: MAX_METADATA_KEYS,
    // JSON Schema 2020-12 keyword; the generator's types know only OpenAPI 3.0's subset.
    ...({ propertyNames: { type: 'string', minLength: MIN_KEY, maxLength: MAX_KEY } } as object),
  });

export const EventsBodySchema = z
  .object({
    events: z
      .array(
        z
          .object({
            type: z.enum(CLIENT_EVENT_TYPES),
            propertyId: UuidSchema.optional(),
            metadata: MetadataSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_EVENTS),
  })
  .strict()
  .openapi('EventsRequest');

export const recordEventsRoute = defineRoute(
  {
    operationId: 'recordEvents',
    method: 'post',
    path: '/v1/events',
    tags: ['Analytics'],
    summary: 'Record up to 50 analytics events from a browser',
    description:
      'Events naming an unknown or unpublished listing are dropped, and so is a property_view of a listing this client already viewed in the current 30-minute window. Only a truncated IP is stored.',
    middleware: [rateLimit('EVENTS_RATE_LIMITER', 'events')] as const,
    request: { body: jsonBody(EventsBodySchema) },
    responses: {
      202: jsonContent(
        z.object({ accepted: z.int().min(0).max(MAX_EVENTS).openapi({ format: 'int32' }) }),
        'The events were recorded',
      ),
    },
  },
  ['RATE_LIMITED'],
);
