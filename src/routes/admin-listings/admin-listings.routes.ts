import { z } from '@hono/zod-openapi';
import { IF_MATCH_PATTERN, VERSION_ETAG_SCHEMA } from '../../lib/http-cache';
import { requireRole } from '../../middleware/auth';
import { AdminListingSchema, AdminSearchQuerySchema, SearchPageSchema } from '../listings/listings.schemas';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import { IdParam } from '../shared/schemas';
import { CreateListingSchema, HistorySchema, StatusChangeSchema, UpdateListingSchema } from './admin-listings.schemas';

const admin = {
  tags: ['Listings (admin)'],
  security: [{ adminBearerAuth: [] }],
};

const etagHeader = { ETag: { schema: VERSION_ETAG_SCHEMA, description: 'Send it back in If-Match' } };

export const listAdminListings = defineRoute(
  {
    operationId: 'listAdminProperties',
    description: 'The public search’s filters and sorts, plus `status`; listings of every status.',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'get',
    path: '/v1/admin/properties',
    summary: 'Every listing, any status; the public filters plus status',
    request: { query: AdminSearchQuerySchema },
    responses: {
      200: jsonContent(SearchPageSchema, 'A page of listing summaries'),
    },
  },
  ['INVALID_CURSOR'],
);

export const createAdminListing = defineRoute(
  {
    operationId: 'createProperty',
    description: 'The new listing is a draft; publish it through its status. The slug is made from the title.',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'post',
    path: '/v1/admin/properties',
    summary: 'Create a listing (status draft; the slug comes from the title)',
    request: { body: jsonBody(CreateListingSchema) },
    responses: {
      201: { ...jsonContent(AdminListingSchema, 'The new listing'), headers: etagHeader },
    },
  },
  ['SLUG_TAKEN'],
);

export const getAdminListing = defineRoute(
  {
    operationId: 'getAdminProperty',
    description: 'Any status. The `ETag` goes back in `If-Match` when editing.',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'get',
    path: '/v1/admin/properties/{id}',
    summary: 'One listing, any status, with its ETag',
    request: { params: IdParam },
    responses: {
      200: { ...jsonContent(AdminListingSchema, 'The listing'), headers: etagHeader },
    },
  },
  ['PROPERTY_NOT_FOUND'],
);

export const updateAdminListing = defineRoute(
  {
    operationId: 'updateProperty',
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
          pattern: IF_MATCH_PATTERN,
          example: '"v3"',
        }),
      }),
      body: jsonBody(UpdateListingSchema),
    },
    responses: {
      200: { ...jsonContent(AdminListingSchema, 'The updated listing'), headers: etagHeader },
    },
  },
  ['PROPERTY_NOT_FOUND', 'PRECONDITION_FAILED', 'SLUG_TAKEN'],
);

export const deleteAdminListing = defineRoute(
  {
    operationId: 'deleteProperty',
    description: 'Removes the listing and its photo rows at once, then its photos (and their variants) from R2.',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'delete',
    path: '/v1/admin/properties/{id}',
    summary: 'Delete a listing, its photo rows and its photos in R2',
    request: { params: IdParam },
    responses: {
      204: { description: 'Deleted' },
    },
  },
  ['PROPERTY_NOT_FOUND'],
);

export const changeAdminListingStatus = defineRoute(
  {
    operationId: 'changePropertyStatus',
    description:
      'draft → active; active → pending | off_market; pending → active | sold | rented; off_market → active. sold and rented are final. Every change is kept in the history.',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'post',
    path: '/v1/admin/properties/{id}/status',
    summary: 'Move a listing through its states (draft→active, active→pending|off_market, …)',
    request: { params: IdParam, body: jsonBody(StatusChangeSchema) },
    responses: {
      200: { ...jsonContent(AdminListingSchema, 'The listing in its new status'), headers: etagHeader },
    },
  },
  ['PROPERTY_NOT_FOUND', 'INVALID_TRANSITION'],
);

export const adminListingHistory = defineRoute(
  {
    operationId: 'getPropertyHistory',
    description: 'Every status change of the listing with its reason, who made it and when.',
    ...admin,
    middleware: [requireRole('admin')] as const,
    method: 'get',
    path: '/v1/admin/properties/{id}/history',
    summary: 'Status changes, oldest first: from, to, reason, who and when',
    request: { params: IdParam },
    responses: {
      200: jsonContent(HistorySchema, 'The status history'),
    },
  },
  ['PROPERTY_NOT_FOUND'],
);
