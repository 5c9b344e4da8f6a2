import { sql } from 'drizzle-orm';
import { properties, propertyImages } from '../../db/schema';

/** Everything a summary shows (no description, no search vector). */
export const summaryColumns = {
  id: properties.id,
  slug: properties.slug,
  title: properties.title,
  propertyType: properties.propertyType,
  listingType: properties.listingType,
  status: properties.status,
  price: properties.price,
  previousPrice: properties.previousPrice,
  currency: properties.currency,
  bedrooms: properties.bedrooms,
  bathrooms: properties.bathrooms,
  areaSqm: properties.areaSqm,
  addressLine1: properties.addressLine1,
  city: properties.city,
  region: properties.region,
  postalCode: properties.postalCode,
  country: properties.country,
  latitude: properties.latitude,
  longitude: properties.longitude,
  features: properties.features,
  createdAt: properties.createdAt,
  updatedAt: properties.updatedAt,
};

export const detailColumns = {
  ...summaryColumns,
  description: properties.description,
  version: properties.version,
  publishedAt: properties.publishedAt,
  createdBy: properties.createdBy,
};

/** A summary's cover photo, from a left join of property_images on is_cover. */
export const coverColumns = {
  coverId: propertyImages.id,
  coverAltText: propertyImages.altText,
  coverWidth: propertyImages.width,
  coverHeight: propertyImages.height,
};

export const imageColumns = {
  id: propertyImages.id,
  propertyId: propertyImages.propertyId,
  altText: propertyImages.altText,
  width: propertyImages.width,
  height: propertyImages.height,
  sortOrder: propertyImages.sortOrder,
  isCover: propertyImages.isCover,
};

/** Public search sees these statuses only; written as a literal so the partial indexes match. */
export const PUBLIC_STATUS = sql`${properties.status} in ('active', 'pending')`;
