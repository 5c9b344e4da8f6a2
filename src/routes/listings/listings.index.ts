import { createRouter } from '../../lib/router';
import { facetsHandler, getHandler, searchHandler } from './listings.handlers';
import { getListingRoute, listingFacetsRoute, searchListingsRoute } from './listings.routes';

// Facets before the detail route: "/facets" must not be read as a slug.
export const listingsRouter = createRouter()
  .openapi(searchListingsRoute, searchHandler)
  .openapi(listingFacetsRoute, facetsHandler)
  .openapi(getListingRoute, getHandler);
