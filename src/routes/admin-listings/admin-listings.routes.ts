import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../../middleware/auth';
import { AdminListingSchema, AdminSearchQuerySchema, SearchPageSchema } from '../listings/listings.schemas';
import { jsonBody, jsonContent, problemResponses } from '../shared/openapi';
import { IdParam } from '../shared/schemas';
import { CreateListingSchema, HistorySchema, StatusChangeSchema, UpdateListingSchema } from './admin-listings.schemas';

const admin = {
  tags: ['Listings (admin)'],
  security: [{ bearerAuth: [] }],
};

const etagHeader = { ETag: { schema: { type: 'string' as const }, description: 'Send it back in If-Match' } };

export const listAdminListings = createRoute({
  ...admin,
  middleware: [requireRole('admin')] as const,
  method: 'get',
  path: '/v1/admin/properties',
  summary: 'Every listing, any status; the public filters plus status',
  request: { query: AdminSearchQuerySchema },
  responses: {
    200: jsonContent(SearchPageSchema, 'A page of listing summaries'),
    ...problemResponses(401, 403, 422),
  },
});

export const createAdminListing = createRoute({
  ...admin,
  middleware: [requireRole('admin')] as const,
  method: 'post',
  path: '/v1/admin/properties',
  summary: 'Create a listing (status draft; the slug comes from the title)',
  request: { body: jsonBody(CreateListingSchema) },
  responses: {
    201: { ...jsonContent(AdminListingSchema, 'The new listing'), headers: etagHeader },
    ...problemResponses(400, 401, 403, 413, 415, 422),
  },
});

export const getAdminListing = createRoute({
  ...admin,
  middleware: [requireRole('admin')] as const,
  method: 'get',
  path: '/v1/admin/properties/{id}',
  summary: 'One listing, any status, with its ETag',
  request: { params: IdParam },
  responses: {
    200: { ...jsonContent(AdminListingSchema, 'The listing'), headers: etagHeader },
    ...problemResponses(401, 403, 404, 422),
  },
});

export const updateAdminListing = createRoute({
  ...admin,
  middleware: [requireRole('admin')] as const,
  method: 'patch',
  path: '/v1/admin/properties/{id}',
  summary: 'Edit fields (status goes through /status); a stale If-Match is a 412',
  description:
    'Send the `ETag` of your last read in `If-Match`: if the listing changed since, nothing is written and ' +
    'the answer is 412 (read it again, then re-apply your edit). `If-Match` is optional: a request without it ' +
    '(or with `*`) accepts last-write-wins and overwrites whatever another admin saved in between.',
  request: {
    params: IdParam,
    headers: z.object({
      'if-match': z.string().max(200).optional().openapi({
        description: 'The ETag from GET, e.g. "v3". Optional: without it the edit is last-write-wins.',
      }),
    }),
    body: jsonBody(UpdateListingSchema),
  },
  responses: {
    200: { ...jsonContent(AdminListingSchema, 'The updated listing'), headers: etagHeader },
    ...problemResponses(400, 401, 403, 404, 412, 413, 415, 422),
  },
});

export const deleteAdminListing = createRoute({
  ...admin,
  middleware: [requireRole('admin')] as const,
  method: 'delete',
  path: '/v1/admin/properties/{id}',
  summary: 'Delete a listing, its photo rows and its photos in R2',
  request: { params: IdParam },
  responses: {
    204: { description: 'Deleted' },
    ...problemResponses(401, 403, 404, 422),
  },
});

export const changeAdminListingStatus = createRoute({
  ...admin,
  middleware: [requireRole('admin')] as const,
  method: 'post',
  path: '/v1/admin/properties/{id}/status',
  summary: 'Move a listing through its states (draft→active, active→pending|off_market, …)',
  request: { params: IdParam, body: jsonBody(StatusChangeSchema) },
  responses: {
    200: { ...jsonContent(AdminListingSchema, 'The listing in its new status'), headers: etagHeader },
    ...problemResponses(400, 401, 403, 404, 409, 422),
  },
});

export const adminListingHistory = createRoute({
  ...admin,
  middleware: [requireRole('admin')] as const,
  method: 'get',
  path: '/v1/admin/properties/{id}/history',
  summary: 'Status changes, oldest first: from, to, reason, who and when',
  request: { params: IdParam },
  responses: {
    200: jsonContent(HistorySchema, 'The status history'),
    ...problemResponses(401, 403, 404, 422),
  },
});
