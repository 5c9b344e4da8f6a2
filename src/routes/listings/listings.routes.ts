import { z } from '@hono/zod-openapi';
import { CONTENT_ETAG_SCHEMA, PUBLIC_CACHE_CONTROL } from '../../lib/http-cache';
import { defineRoute, jsonContent } from '../shared/openapi';
import {
  FacetsSchema,
  ListingSchema,
  SearchFiltersSchema,
  SearchPageSchema,
  SearchQuerySchema,
} from './listings.schemas';

const cachedHeaders = {
  ETag: { schema: CONTENT_ETAG_SCHEMA, description: 'Strong validator of the representation' },
  'Cache-Control': {
    schema: { type: 'string' as const, enum: [PUBLIC_CACHE_CONTROL] },
    description: 'Short max-age with stale-while-revalidate',
  },
};

export const searchListingsRoute = defineRoute(
  {
    operationId: 'searchProperties',
    description:
      'Filters combine with AND. `sort=relevance` needs `q`, `sort=distance` and `radiusKm` need `near`. Answers are cached briefly at the edge; `If-None-Match` gets a 304.',
    method: 'get',
    path: '/v1/properties',
    tags: ['Listings'],
    summary: 'Search active and pending listings (keyset pagination)',
    request: { query: SearchQuerySchema },
    responses: {
      200: { ...jsonContent(SearchPageSchema, 'A page of listing summaries'), headers: cachedHeaders },
      304: { description: 'Not modified (If-None-Match)' },
    },
  },
  ['INVALID_CURSOR'],
);

export const listingFacetsRoute = defineRoute(
  {
    operationId: 'getPropertyFacets',
    description: 'Takes the search filters (no paging or sort) and counts what matches, by value.',
    method: 'get',
    path: '/v1/properties/facets',
    tags: ['Listings'],
    summary: 'Counts by property type, city, listing type and price band for a filter set',
    request: { query: SearchFiltersSchema },
    responses: {
      200: { ...jsonContent(FacetsSchema, 'Facet counts'), headers: cachedHeaders },
      304: { description: 'Not modified (If-None-Match)' },
    },
  },
  [],
);

export const getListingRoute = defineRoute(
  {
    operationId: 'getProperty',
    description:
      'By id or slug. A draft or unknown listing is a 404. Opening it records a property view after the response.',
    method: 'get',
    path: '/v1/properties/{idOrSlug}',
    tags: ['Listings'],
    summary: 'One listing with its photos in order (drafts are not found)',
    request: { params: z.object({ idOrSlug: z.string().min(1).max(200) }) },
    responses: {
      200: { ...jsonContent(ListingSchema, 'The listing'), headers: cachedHeaders },
      304: { description: 'Not modified (If-None-Match)' },
    },
  },
  ['PROPERTY_NOT_FOUND'],
);
