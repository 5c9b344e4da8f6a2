import { createRouter } from '../../lib/router';
import { noStore } from '../../middleware/no-store';
import { deleteFavoriteHandler, listFavoritesHandler, putFavoriteHandler } from './me-favorites.handlers';
import { deleteFavoriteRoute, listFavoritesRoute, putFavoriteRoute } from './me-favorites.routes';

const router = createRouter();
router.use('/v1/me/favorites/*', noStore());
router.use('/v1/me/favorites', noStore());

export const meFavoritesRouter = router
  .openapi(listFavoritesRoute, listFavoritesHandler)
  .openapi(putFavoriteRoute, putFavoriteHandler)
  .openapi(deleteFavoriteRoute, deleteFavoriteHandler);
