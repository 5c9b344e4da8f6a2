import { createRouter } from '../../lib/router';
import { facetsHandler, getHandler, searchHandler } from './properties.handlers';
import { getProperty, propertyFacets, searchProperties } from './properties.routes';

// Facets before the detail route: "/facets" must not be read as a slug.
export const propertiesRouter = createRouter()
  .openapi(searchProperties, searchHandler)
  .openapi(propertyFacets, facetsHandler)
  .openapi(getProperty, getHandler);
