import { z } from '@hono/zod-openapi';
import { MAX_IMAGE_PIXELS, MAX_IMAGES_PER_LISTING } from '../../services/images/limits';

/**
 * A listing's fields, each bound stated once: the admin create/update bodies take them, the
 * listing views (PropertySummary, Property, AdminProperty) return them. The numbers are the
 * database's CHECK constraints (src/db/schema.ts) or the input rules that alone write the column.
 */

const text = (min: number, max: number) => z.string().trim().min(min).max(max);

/** properties_price_range: minor units (cents). */
export const MAX_PRICE = 100_000_000_000_000;

export const Title = text(3, 200);
export const Description = z.string().max(20_000);
export const Price = z
  .number()
  .int()
  .min(0)
  .max(MAX_PRICE)
  .openapi({ format: 'int64', description: 'Minor units (cents)' });
/** properties_currency_format. */
export const Currency = z
  .string()
  .length(3)
  .regex(/^[A-Z]{3}$/, 'ISO 4217, upper case')
  .openapi({ example: 'USD' });
export const Bedrooms = z.number().int().min(0).max(100).openapi({ format: 'int32' });
export const AreaSqm = z.number().int().min(1).max(100_000_000).openapi({ format: 'int32' });
export const AddressLine1 = text(1, 200);
export const City = text(1, 100);
export const Region = text(0, 100);
export const PostalCode = text(0, 20);
/** properties_country_format. */
export const Country = z
  .string()
  .length(2)
  .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case')
  .openapi({ example: 'US' });
/** properties_features_count. */
export const Features = z.array(text(1, 50)).max(50);
/** properties_slug_format. */
export const Slug = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/);

/** property_images_alt_text_length. */
export const AltText = z.string().max(300);
/** property_images_dimensions, and an upload has at most MAX_IMAGE_PIXELS pixels. */
export const ImageDimension = z.number().int().min(1).max(MAX_IMAGE_PIXELS).openapi({ format: 'int32' });
/** property_images_sort_order; the photos of a listing are numbered 0, 1, ... without gaps. */
export const SortOrder = z
  .number()
  .int()
  .min(0)
  .max(MAX_IMAGES_PER_LISTING - 1)
  .openapi({ format: 'int32' });
