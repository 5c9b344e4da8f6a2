import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../shared/openapi';

const binary = z.string().openapi({ type: 'string', format: 'binary' });

export const getImage = createRoute({
  method: 'get',
  path: '/v1/images/{id}',
  tags: ['Listings'],
  summary: 'Photo bytes with their stored type; immutable, so cached for a year',
  request: { params: z.object({ id: z.string().max(100) }) },
  responses: {
    200: {
      description: 'The image',
      headers: {
        ETag: { schema: { type: 'string' }, description: 'SHA-256 of the bytes' },
        'Cache-Control': { schema: { type: 'string' }, description: 'public, max-age=31536000, immutable' },
      },
      content: {
        'image/jpeg': { schema: binary },
        'image/png': { schema: binary },
        'image/webp': { schema: binary },
        'image/avif': { schema: binary },
      },
    },
    304: { description: 'Not modified (If-None-Match)' },
    ...problemResponses(404),
  },
});
