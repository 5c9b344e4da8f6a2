import { z } from '@hono/zod-openapi';
import { FALLBACK_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL, PRIVATE_CACHE_CONTROL } from '../../lib/http-cache';
import { VARIANT_WIDTHS } from '../../services/images/variants';
import { defineRoute } from '../shared/openapi';

const binary = z.string().openapi({ type: 'string', format: 'binary' });

const WIDTHS = VARIANT_WIDTHS.map(String) as [string, ...string[]];

export const getImage = defineRoute(
  {
    operationId: 'getImage',
    method: 'get',
    path: '/v1/images/{id}',
    tags: ['Listings'],
    summary: 'A photo: the original upload, or scaled to a listed width in the best format the client takes',
    description:
      'Without `w`: the stored original (metadata removed at upload). With `w`: the photo at most `w` pixels wide ' +
      '(never scaled up, aspect kept), as AVIF or WebP when `Accept` names them, else JPEG (PNG for a photo that may be ' +
      'transparent). Photos of listings that are not public answer 404 unless an admin asks with a bearer token.',
    request: {
      params: z.object({ id: z.string().max(100) }),
      query: z.object({
        w: z
          .enum(WIDTHS)
          .optional()
          .openapi({ description: 'Width in pixels; any other value is a 422', example: '320' }),
      }),
    },
    responses: {
      200: {
        description: 'The image',
        headers: {
          ETag: {
            schema: {
              type: 'string',
              // The original's SHA-256, or variantEtag(): its first 32 hex digits, version, width and format.
              pattern: '^"(?:[0-9a-f]{64}|[0-9a-f]{32}-v[0-9]+-w[0-9]+-(?:avif|webp|jpg|png))"$',
              maxLength: 66,
            },
            description: 'Strong: SHA-256 of the original, or of the original plus width, format and encoder version',
          },
          'Cache-Control': {
            schema: { type: 'string', enum: [IMMUTABLE_CACHE_CONTROL, PRIVATE_CACHE_CONTROL, FALLBACK_CACHE_CONTROL] },
            description:
              'public, max-age=31536000, immutable; private, no-cache for photos of non-public listings; ' +
              'public, max-age=60 when a variant could not be made and the original stands in',
          },
          Vary: {
            schema: { type: 'string', enum: ['Accept', 'Accept, Authorization'] },
            description: 'Accept, for variants',
          },
        },
        content: {
          'image/jpeg': { schema: binary },
          'image/png': { schema: binary },
          'image/webp': { schema: binary },
          'image/avif': { schema: binary },
        },
      },
      304: { description: 'Not modified (If-None-Match)' },
    },
  },
  ['IMAGE_NOT_FOUND'],
);
