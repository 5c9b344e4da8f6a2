import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { addFavorite, listFavorites, removeFavorite } from '../../services/favorites/favorites';
import { imageBaseUrl } from '../listings/listings.handlers';
import type { AppRouteHandler } from '../shared/request-context';
import type { deleteFavoriteRoute, listFavoritesRoute, putFavoriteRoute } from './me-favorites.routes';

export const listFavoritesHandler: AppRouteHandler<typeof listFavoritesRoute> = async (c) => {
  const { limit, cursor } = c.req.valid('query');
  const page = await listFavorites(
    c.var.db,
    c.var.auth.userId,
    { limit, cursor },
    { cursorSecret: cursorSecret(getConfig(c.env)), imageBaseUrl: imageBaseUrl(c) },
  );
  return c.json(page, 200);
};

export const putFavoriteHandler: AppRouteHandler<typeof putFavoriteRoute> = async (c) => {
  await addFavorite(c.var.db, c.var.auth.userId, c.req.valid('param').propertyId);
  return c.body(null, 204);
};

export const deleteFavoriteHandler: AppRouteHandler<typeof deleteFavoriteRoute> = async (c) => {
  await removeFavorite(c.var.db, c.var.auth.userId, c.req.valid('param').propertyId);
  return c.body(null, 204);
};
