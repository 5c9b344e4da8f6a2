import type { RouteConfig } from '@hono/zod-openapi';
import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { notFound } from '../../lib/errors';
import {
  type CachedBuild,
  canonicalCacheUrl,
  type EdgeCacheOptions,
  serveThroughEdgeCache,
} from '../../lib/http-cache';
import { clientIp, truncateIp } from '../../lib/ip';
import { viewerKey } from '../../lib/viewer-key';
import { listingFacets } from '../../services/listings/facets';
import { canonicalIdOrSlug, findListing, listingPageUrl } from '../../services/listings/get';
import { searchListings } from '../../services/listings/search';
import { detailView } from '../../services/listings/serialize';
import { recordPropertyView } from '../../services/listings/views';
import type { AppRouteHandler, JsonBody, RequestContext } from '../shared/request-context';
import type { getListingRoute, listingFacetsRoute, searchListingsRoute } from './listings.routes';
import { FACETS_PARAMS, SEARCH_PARAMS, toFilters } from './listings.schemas';

export const imageBaseUrl = (c: RequestContext) => `${new URL(c.req.url).origin}/v1/images/`;

/**
 * A public read through the edge cache. The cache hands back a raw Response (304s and hits
 * skip serialisation), so the body is typed here instead: `build` must return what the
 * route documents for 200.
 */
function cached<R extends RouteConfig>(
  c: RequestContext,
  keyUrl: string,
  build: () => Promise<CachedBuild<JsonBody<R, 200>>>,
  options?: EdgeCacheOptions,
): Promise<Response> {
  return serveThroughEdgeCache(c.req.raw, keyUrl, (promise) => c.executionCtx.waitUntil(promise), build, options);
}

/** The cache URL of a search or facets request: its known parameters, parsed, in a fixed order. */
const queryCacheUrl = (c: RequestContext, query: Record<string, unknown>, order: readonly string[]) =>
  canonicalCacheUrl(new URL(c.req.url).origin, c.req.path, query, order);

export const searchHandler: AppRouteHandler<typeof searchListingsRoute> = async (c) => {
  const query = c.req.valid('query');
  return cached<typeof searchListingsRoute>(c, queryCacheUrl(c, query, SEARCH_PARAMS), async () => {
    const page = await c.var.publicReads.run((db) =>
      searchListings(
        db,
        { filters: toFilters(query), sort: query.sort, limit: query.limit, visibility: 'public' },
        { cursor: query.cursor, cursorSecret: cursorSecret(getConfig(c.env)), imageBaseUrl: imageBaseUrl(c) },
      ),
    );
    return { data: page };
  });
};

export const facetsHandler: AppRouteHandler<typeof listingFacetsRoute> = async (c) => {
  const query = c.req.valid('query');
  return cached<typeof listingFacetsRoute>(c, queryCacheUrl(c, query, FACETS_PARAMS), async () => {
    const facets = await c.var.publicReads.run((db) => listingFacets(db, toFilters(query), 'public'));
    return { data: facets };
  });
};

export const getHandler: AppRouteHandler<typeof getListingRoute> = async (c) => {
  // One spelling per listing (query strings dropped), so the purge reaches every variant.
  const idOrSlug = canonicalIdOrSlug(c.req.valid('param').idOrSlug);
  if (idOrSlug === null) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
  const config = getConfig(c.env);
  const response = await cached<typeof getListingRoute>(
    c,
    listingPageUrl(new URL(c.req.url).origin, idOrSlug),
    async () => {
      const found = await c.var.publicReads.run((db) => findListing(db, idOrSlug, 'public'));
      if (!found) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
      return {
        data: detailView(found.row, found.images, imageBaseUrl(c), found.priceHistory),
        headers: { 'X-Property-Id': found.row.id },
      };
    },
    { memoryTtlSeconds: config.DETAIL_MEMORY_CACHE_SECONDS },
  );
  const propertyId = response.headers.get('X-Property-Id');
  if (propertyId) {
    // Buffered, written after the response with other requests' views: never touches this one.
    const ip = clientIp(c);
    const flush = recordPropertyView(
      { propertyId, ipAddress: truncateIp(ip), viewer: await viewerKey(cursorSecret(config), ip) },
      { db: c.var.db, flushMs: config.VIEW_FLUSH_MS, logger: c.var.logger },
    );
    if (flush) c.executionCtx.waitUntil(flush);
  }
  return response;
};
