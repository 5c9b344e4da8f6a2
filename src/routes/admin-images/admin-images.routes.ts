import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../../lib/uuid';
import { requireRole } from '../../middleware/auth';
import { MAX_IMAGES_PER_LISTING } from '../../services/images/limits';
import { ImageSchema } from '../listings/listings.schemas';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import { IdParam } from '../shared/schemas';
import { imageBodyLimit } from './image-body-limit';

const admin = { tags: ['Photos (admin)'], security: [{ adminBearerAuth: [] }] };
const binary = z.string().openapi({ type: 'string', format: 'binary' });

export const uploadImage = defineRoute(
  {
    operationId: 'uploadPropertyImage',
    ...admin,
    middleware: [requireRole('admin'), imageBodyLimit] as const,
    method: 'post',
    path: '/v1/admin/properties/{id}/images',
    summary: 'Add a photo: multipart field `file`, or the raw bytes as the body',
    description:
      'The type is read from the bytes (JPEG, PNG, WebP, AVIF); anything else is 415. At most IMAGE_MAX_BYTES ' +
      '(10 MB by default, 413 above), 50 megapixels (413) and 50 photos per listing (409). The first photo ' +
      'becomes the cover. For a raw body, `altText` may be given as a query parameter.',
    request: {
      params: IdParam,
      query: z.object({ altText: z.string().max(300).optional() }).strict(),
      body: {
        required: false,
        content: {
          // A plain OpenAPI schema, not zod: the handler reads the form itself, so that any raw
          // body (whatever Content-Type it claims) reaches the byte sniffer instead of a 415 gate.
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['file'],
              properties: {
                file: { type: 'string', format: 'binary' },
                altText: { type: 'string', maxLength: 300 },
              },
            },
          },
          'image/jpeg': { schema: binary },
          'image/png': { schema: binary },
          'image/webp': { schema: binary },
          'image/avif': { schema: binary },
          'application/octet-stream': { schema: binary },
        },
      },
    },
    responses: {
      201: jsonContent(ImageSchema, 'The stored photo'),
    },
  },
  [
    'PROPERTY_NOT_FOUND',
    'MALFORMED_MULTIPART',
    'TOO_MANY_IMAGES',
    'IMAGE_TOO_MANY_PIXELS',
    'UNSUPPORTED_IMAGE',
    'IMAGE_PROCESSING_FAILED',
    'IMAGE_PROCESSING_UNAVAILABLE',
  ],
);

export const reorderImages = defineRoute(
  {
    operationId: 'reorderPropertyImages',
    description: '`imageIds` must name every photo of the listing exactly once; the first becomes sortOrder 0.',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'put',
    path: '/v1/admin/properties/{id}/images/order',
    summary: 'Set the order of all photos at once (each id exactly once)',
    request: {
      params: IdParam,
      body: jsonBody(
        z
          .object({ imageIds: z.array(UuidSchema).max(MAX_IMAGES_PER_LISTING) })
          .strict()
          .openapi('ImageOrder'),
      ),
    },
    responses: {
      200: jsonContent(
        z.object({ data: z.array(ImageSchema).max(MAX_IMAGES_PER_LISTING) }),
        'The photos in their new order',
      ),
    },
  },
  ['PROPERTY_NOT_FOUND', 'INVALID_IMAGE_ORDER', 'IMAGES_CHANGED'],
);

export const updateImage = defineRoute(
  {
    operationId: 'updateImage',
    description:
      'Set `altText`, or `isCover: true` to make this the listing’s cover (the previous cover stops being one).',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'patch',
    path: '/v1/admin/images/{id}',
    summary: 'Change alt text, or make this photo the cover',
    request: {
      params: IdParam,
      body: jsonBody(
        z
          .object({
            altText: z.string().trim().max(300).optional(),
            isCover: z.literal(true).optional().openapi({ description: 'Only true: a listing always keeps one cover' }),
          })
          .strict()
          .openapi('ImageUpdate'),
      ),
    },
    responses: {
      200: jsonContent(ImageSchema, 'The photo'),
    },
  },
  ['IMAGE_NOT_FOUND'],
);

export const deleteImage = defineRoute(
  {
    operationId: 'deleteImage',
    description:
      'Deletes the row and the R2 object (and its variants); when it was the cover, the next photo becomes the cover.',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'delete',
    path: '/v1/admin/images/{id}',
    summary: 'Delete a photo (row and R2 object); the next one becomes the cover if needed',
    request: { params: IdParam },
    responses: {
      204: { description: 'Deleted' },
    },
  },
  ['IMAGE_NOT_FOUND'],
);
