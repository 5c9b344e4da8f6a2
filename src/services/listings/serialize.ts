import type { InferSelectModel } from 'drizzle-orm';
import type { properties } from '../../db/schema';
import { priceFormatted } from '../../lib/money';
import { srcset } from '../images/variants';

type PropertyRow = InferSelectModel<typeof properties>;

export type SummaryRow = Pick<
  PropertyRow,
  | 'id'
  | 'slug'
  | 'title'
  | 'propertyType'
  | 'listingType'
  | 'status'
  | 'price'
  | 'previousPrice'
  | 'currency'
  | 'bedrooms'
  | 'bathrooms'
  | 'areaSqm'
  | 'addressLine1'
  | 'city'
  | 'region'
  | 'postalCode'
  | 'country'
  | 'latitude'
  | 'longitude'
  | 'features'
  | 'createdAt'
  | 'updatedAt'
>;

export type DetailRow = SummaryRow & Pick<PropertyRow, 'description' | 'version' | 'publishedAt' | 'createdBy'>;

export interface ImageRow {
  id: string;
  altText: string;
  width: number;
  height: number;
  sortOrder: number;
  isCover: boolean;
}

export interface ImageView {
  id: string;
  url: string;
  /** HTML srcset of the photo's variants (`<url>?w=N Nw, ...`). */
  srcset: string;
  altText: string;
  width: number;
  height: number;
  sortOrder: number;
  isCover: boolean;
}

export type CoverImageView = Omit<ImageView, 'sortOrder' | 'isCover'>;

/** Where image bytes are served, e.g. `https://api.example.com/v1/images/`. */
export type ImageBaseUrl = string;

export function imageView(row: ImageRow, base: ImageBaseUrl): ImageView {
  const url = `${base}${row.id}`;
  return {
    id: row.id,
    url,
    srcset: srcset(url, row.width),
    altText: row.altText,
    width: row.width,
    height: row.height,
    sortOrder: row.sortOrder,
    isCover: row.isCover,
  };
}

/** The cover photo of a row read with `coverColumns` (null when the listing has none). */
export function coverOf(row: {
  coverId: string | null;
  coverAltText: string | null;
  coverWidth: number | null;
  coverHeight: number | null;
}): ImageRow | null {
  if (!row.coverId) return null;
  return {
    id: row.coverId,
    altText: row.coverAltText ?? '',
    width: row.coverWidth ?? 0,
    height: row.coverHeight ?? 0,
    sortOrder: 0,
    isCover: true,
  };
}

const iso = (d: Date) => d.toISOString();

function common(row: SummaryRow) {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    propertyType: row.propertyType,
    listingType: row.listingType,
    status: row.status,
    price: row.price,
    previousPrice: row.previousPrice,
    currency: row.currency,
    priceFormatted: priceFormatted(row.price, row.currency, row.listingType),
    bedrooms: row.bedrooms,
    bathrooms: row.bathrooms,
    areaSqm: row.areaSqm,
    address: {
      line1: row.addressLine1,
      city: row.city,
      region: row.region,
      postalCode: row.postalCode,
      country: row.country,
    },
    latitude: row.latitude,
    longitude: row.longitude,
    features: row.features,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function summaryView(
  row: SummaryRow,
  cover: ImageRow | null,
  base: ImageBaseUrl,
  extra: { distanceKm?: number | null; rank?: number | null } = {},
) {
  const coverImage = cover ? imageView(cover, base) : null;
  return {
    ...common(row),
    coverImage: coverImage
      ? {
          id: coverImage.id,
          url: coverImage.url,
          srcset: coverImage.srcset,
          altText: coverImage.altText,
          width: coverImage.width,
          height: coverImage.height,
        }
      : null,
    ...(extra.distanceKm !== undefined && extra.distanceKm !== null
      ? { distanceKm: Math.round(extra.distanceKm * 1000) / 1000 }
      : {}),
  };
}

export type PropertySummaryView = ReturnType<typeof summaryView>;

/** One entry of a listing's price history (services/listings/price-history.ts). */
export interface PriceHistoryRow {
  price: number;
  changedAt: Date;
}

export function detailView(row: DetailRow, images: ImageRow[], base: ImageBaseUrl, priceHistory: PriceHistoryRow[]) {
  return {
    ...common(row),
    description: row.description,
    images: images.map((i) => imageView(i, base)),
    priceHistory: priceHistory.map((h) => ({ price: h.price, changedAt: iso(h.changedAt) })),
  };
}

export type PropertyView = ReturnType<typeof detailView>;

/** What admins also see: the version behind the ETag and the publication date. */
export function adminDetailView(
  row: DetailRow,
  images: ImageRow[],
  base: ImageBaseUrl,
  priceHistory: PriceHistoryRow[],
) {
  return {
    ...detailView(row, images, base, priceHistory),
    version: row.version,
    publishedAt: row.publishedAt ? iso(row.publishedAt) : null,
    createdBy: row.createdBy,
  };
}

export type AdminPropertyView = ReturnType<typeof adminDetailView>;
