import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../../lib/uuid';
import { ListingSummarySchema } from '../listings/listings.schemas';
import { pageQuery, pageSchema, TimestampSchema } from '../shared/schemas';

export const FavoritePropertyParam = z.object({ propertyId: UuidSchema });

export const FavoritesQuerySchema = z.object(pageQuery).strict();

export const FavoriteSchema = ListingSummarySchema.extend({
  favoritedAt: TimestampSchema.openapi({ description: 'When the visitor first favourited it.' }),
}).openapi('FavoriteProperty');

export const FavoritesPageSchema = pageSchema(FavoriteSchema).openapi('FavoritesPage');
