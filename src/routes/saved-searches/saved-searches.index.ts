import { createRouter } from '../../lib/router';
import { noStore } from '../../middleware/no-store';
import {
  createSavedSearchHandler,
  deleteSavedSearchHandler,
  getSavedSearchHandler,
  listSavedSearchesHandler,
  updateSavedSearchHandler,
} from './saved-searches.handlers';
import {
  createSavedSearchRoute,
  deleteSavedSearchRoute,
  getSavedSearchRoute,
  listSavedSearchesRoute,
  updateSavedSearchRoute,
} from './saved-searches.routes';

const router = createRouter();
// Also matches /v1/me/saved-searches itself.
router.use('/v1/me/saved-searches/*', noStore());

export const savedSearchesRouter = router
  .openapi(listSavedSearchesRoute, listSavedSearchesHandler)
  .openapi(createSavedSearchRoute, createSavedSearchHandler)
  .openapi(getSavedSearchRoute, getSavedSearchHandler)
  .openapi(updateSavedSearchRoute, updateSavedSearchHandler)
  .openapi(deleteSavedSearchRoute, deleteSavedSearchHandler);
