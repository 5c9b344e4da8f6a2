import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { notFound } from '../../lib/errors';
import { serveThroughEdgeCache } from '../../lib/http-cache';
import { clientIp, truncateIp } from '../../lib/ip';
import { listingFacets } from '../../services/listings/facets';
import { findListing } from '../../services/listings/get';
import { searchListings } from '../../services/listings/search';
import { detailView } from '../../services/listings/serialize';
import { recordPropertyView } from '../../services/listings/views';
import type { AppRouteHandler, RequestContext } from '../shared/request-context';
import type { getProperty, propertyFacets, searchProperties } from './properties.routes';
import { toFilters } from './properties.schemas';

export const imageBaseUrl = (c: RequestContext) => `${new URL(c.req.url).origin}/v1/images/`;

const waitUntil = (c: RequestContext) => (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);

export const searchHandler: AppRouteHandler<typeof searchProperties> = async (c) => {
  const query = c.req.valid('query');
  return serveThroughEdgeCache(c.req.raw, waitUntil(c), async () => {
    const page = await searchListings(
      c.var.db,
      { filters: toFilters(query), sort: query.sort, limit: query.limit, visibility: 'public' },
      { cursor: query.cursor, cursorSecret: cursorSecret(getConfig(c.env)), imageBaseUrl: imageBaseUrl(c) },
    );
    return { body: JSON.stringify(page) };
  }) as never;
};

export const facetsHandler: AppRouteHandler<typeof propertyFacets> = async (c) => {
  const query = c.req.valid('query');
  return serveThroughEdgeCache(c.req.raw, waitUntil(c), async () => {
    const facets = await listingFacets(c.var.db, toFilters(query), 'public');
    return { body: JSON.stringify(facets) };
  }) as never;
};

export const getHandler: AppRouteHandler<typeof getProperty> = async (c) => {
  const { idOrSlug } = c.req.valid('param');
  const config = getConfig(c.env);
  const response = await serveThroughEdgeCache(
    c.req.raw,
    waitUntil(c),
    async () => {
      const found = await findListing(c.var.db, idOrSlug, 'public');
      if (!found) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
      return {
        body: JSON.stringify(detailView(found.row, found.images, imageBaseUrl(c))),
        headers: { 'X-Property-Id': found.row.id },
      };
    },
    { memoryTtlSeconds: config.DETAIL_MEMORY_CACHE_SECONDS },
  );
  const propertyId = response.headers.get('X-Property-Id');
  if (propertyId) {
    // Buffered, written after the response with other requests' views: never touches this one.
    const flush = recordPropertyView(
      { propertyId, ipAddress: truncateIp(clientIp(c)) },
      { db: c.var.db, flushMs: config.VIEW_FLUSH_MS, logger: c.var.logger },
    );
    if (flush) c.executionCtx.waitUntil(flush);
  }
  return response as never;
};
