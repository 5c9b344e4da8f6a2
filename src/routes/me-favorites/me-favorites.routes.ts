import { requireRole } from '../../middleware/auth';
import { MAX_FAVORITES_PER_USER } from '../../services/favorites/favorites';
import { defineRoute, jsonContent } from '../shared/openapi';
import { FavoritePropertyParam, FavoritesPageSchema, FavoritesQuerySchema } from './me-favorites.schemas';

const signedIn = {
  tags: ['Me'],
  security: [{ bearerAuth: [] }],
};

export const listFavoritesRoute = defineRoute(
  {
    operationId: 'listMyFavorites',
    description:
      'Most recently favourited first, each with its listing’s summary as it is now. A listing that stopped ' +
      'being public stays in the list with its current `status` (`sold`, `rented`, `off_market`) so the visitor ' +
      'sees what became of it; a deleted listing drops out with its favourite. Drafts never show.',
    method: 'get',
    path: '/v1/me/favorites',
    summary: 'Your favourite listings (keyset pagination)',
    ...signedIn,
    middleware: [requireRole('user')] as const,
    request: { query: FavoritesQuerySchema },
    responses: {
      200: jsonContent(FavoritesPageSchema, 'A page of favourites'),
    },
  },
  ['INVALID_CURSOR'],
);

export const putFavoriteRoute = defineRoute(
  {
    operationId: 'addMyFavorite',
    description:
      'Idempotent: favouriting again keeps the first `favoritedAt`. Any listing the public detail shows can be ' +
      'favourited, whatever its status; a draft or unknown id is a 404. An account keeps at most ' +
      `${MAX_FAVORITES_PER_USER} favourites: one more is a 409 FAVORITES_LIMIT_REACHED.`,
    method: 'put',
    path: '/v1/me/favorites/{propertyId}',
    summary: 'Favourite a listing',
    ...signedIn,
    middleware: [requireRole('user')] as const,
    request: { params: FavoritePropertyParam },
    responses: {
      204: { description: 'The listing is among your favourites' },
    },
  },
  ['PROPERTY_NOT_FOUND', 'FAVORITES_LIMIT_REACHED', 'REFERENCE_CONFLICT'],
);

export const deleteFavoriteRoute = defineRoute(
  {
    operationId: 'removeMyFavorite',
    description: 'Idempotent: a listing that was not a favourite (or does not exist) is a 204 too.',
    method: 'delete',
    path: '/v1/me/favorites/{propertyId}',
    summary: 'Remove a listing from your favourites',
    ...signedIn,
    middleware: [requireRole('user')] as const,
    request: { params: FavoritePropertyParam },
    responses: {
      204: { description: 'The listing is not among your favourites' },
    },
  },
  [],
);
