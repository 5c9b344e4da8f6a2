import { z } from '@hono/zod-openapi';
import { LISTING_STATUSES, LISTING_TYPES, PROPERTY_TYPES } from '../../db/enums';
import { PRICE_FORMATTED_MAX } from '../../lib/money';
import { UuidSchema } from '../../lib/uuid';
import { MAX_IMAGES_PER_LISTING } from '../../services/images/limits';
import { MAX_CITIES, PRICE_BANDS } from '../../services/listings/facets';
import { SEARCH_SORTS, type SearchFilters, type SearchSort } from '../../services/listings/filters';
import { PRICE_HISTORY_MAX } from '../../services/listings/price-history';
import {
  AddressLine1,
  AltText,
  AreaSqm,
  Bedrooms,
  City,
  Country,
  Currency,
  Description,
  Features,
  ImageDimension,
  MAX_PRICE,
  PostalCode,
  Price,
  Region,
  Slug,
  SortOrder,
  Title,
} from '../shared/listing-fields';
import { pageSchema, TimestampSchema as Timestamp } from '../shared/schemas';

// Query values are text; the document gives the number they must spell (`.openapi` states what
// the regex and the pipe check, which the generator cannot see through the transform).
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number, not negative')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: 'integer', format: 'int64', minimum: min, maximum: max });

const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,3}(\.\d{1,2})?$/, 'must be a number such as 2 or 1.5')
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .openapi({ type: 'number', minimum: min, maximum: max, multipleOf: 0.01 });

const NUM = String.raw`-?\d{1,3}(?:\.\d{1,10})?`;

const bbox = z
  .string()
  .regex(new RegExp(`^${NUM},${NUM},${NUM},${NUM}$`), 'must be minLng,minLat,maxLng,maxLat')
  .transform((v) => {
    const [minLng, minLat, maxLng, maxLat] = v.split(',').map(Number) as [number, number, number, number];
    return { minLng, minLat, maxLng, maxLat };
  })
  .refine((b) => Math.abs(b.minLng) <= 180 && Math.abs(b.maxLng) <= 180, 'longitudes must be within -180..180')
  .refine((b) => Math.abs(b.minLat) <= 90 && Math.abs(b.maxLat) <= 90, 'latitudes must be within -90..90')
  .refine((b) => b.minLng <= b.maxLng && b.minLat <= b.maxLat, 'min must not exceed max');

const near = z
  .string()
  .regex(new RegExp(`^${NUM},${NUM}$`), 'must be lat,lng')
  .transform((v) => {
    const [lat, lng] = v.split(',').map(Number) as [number, number];
    return { lat, lng };
  })
  .refine((p) => Math.abs(p.lat) <= 90 && Math.abs(p.lng) <= 180, 'lat within -90..90, lng within -180..180');

// PostgreSQL text holds no NUL: the router's hook (lib/router.ts) refuses it in any input.
const NO_NUL = { pattern: '^[^\\u0000]*$' };

const searchFields = {
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .openapi(NO_NUL)
    .optional()
    .openapi({ description: 'Full text: title, description, address' }),
  city: z.string().trim().min(1).max(100).openapi(NO_NUL).optional(),
  propertyType: z.enum(PROPERTY_TYPES).optional(),
  listingType: z.enum(LISTING_TYPES).optional(),
  minPrice: wholeNumber(0, MAX_PRICE).optional().openapi({ description: 'Minor units (cents)' }),
  maxPrice: wholeNumber(0, MAX_PRICE).optional().openapi({ description: 'Minor units (cents)' }),
  minBedrooms: wholeNumber(0, 100).optional(),
  minBathrooms: decimal(0, 100).optional(),
  minArea: wholeNumber(0, 100_000_000).optional().openapi({ description: 'Square metres' }),
  maxArea: wholeNumber(0, 100_000_000).optional().openapi({ description: 'Square metres' }),
  bbox: bbox.optional().openapi({
    description: 'minLng,minLat,maxLng,maxLat: longitudes within -180..180, latitudes within -90..90, min ≤ max',
    example: '-97.8,30.2,-97.7,30.3',
    maxLength: 63,
  }),
  near: near.optional().openapi({
    description: 'lat,lng: latitude within -90..90, longitude within -180..180',
    example: '30.2672,-97.7431',
    maxLength: 31,
  }),
  radiusKm: decimal(0.1, 500).optional().openapi({ description: 'With near; default 25' }),
};

type Ctx = z.core.$RefinementCtx;

function crossChecks(
  v: {
    q?: string;
    minPrice?: number;
    maxPrice?: number;
    minArea?: number;
    maxArea?: number;
    near?: unknown;
    radiusKm?: number;
  },
  ctx: Ctx,
) {
  if (v.minPrice !== undefined && v.maxPrice !== undefined && v.minPrice > v.maxPrice) {
    ctx.addIssue({ code: 'custom', path: ['minPrice'], message: 'minPrice must not exceed maxPrice' });
  }
  if (v.minArea !== undefined && v.maxArea !== undefined && v.minArea > v.maxArea) {
    ctx.addIssue({ code: 'custom', path: ['minArea'], message: 'minArea must not exceed maxArea' });
  }
  if (v.radiusKm !== undefined && v.near === undefined) {
    ctx.addIssue({ code: 'custom', path: ['radiusKm'], message: 'radiusKm needs near' });
  }
}

const listFields = {
  sort: z.enum(SEARCH_SORTS).default('newest'),
  limit: wholeNumber(1, 100).default(20).openapi({ default: 20 }),
  cursor: z.string().min(1).max(2048).optional(),
};

function sortChecks(v: { sort: string; q?: string; near?: unknown }, ctx: Ctx) {
  if (v.sort === 'relevance' && v.q === undefined) {
    ctx.addIssue({ code: 'custom', path: ['sort'], message: 'sort=relevance needs q' });
  }
  if (v.sort === 'distance' && v.near === undefined) {
    ctx.addIssue({ code: 'custom', path: ['sort'], message: 'sort=distance needs near' });
  }
}

/** The search and facets parameters in the fixed order of their cache keys. */
export const SEARCH_PARAMS = Object.keys({ ...searchFields, ...listFields });
export const FACETS_PARAMS = Object.keys(searchFields);

export const SearchQuerySchema = z
  .object({ ...searchFields, ...listFields })
  .strict()
  .superRefine((v, ctx) => {
    crossChecks(v, ctx);
    sortChecks(v, ctx);
  });

export const AdminSearchQuerySchema = z
  .object({ ...searchFields, ...listFields, status: z.enum(LISTING_STATUSES).optional() })
  .strict()
  .superRefine((v, ctx) => {
    crossChecks(v, ctx);
    sortChecks(v, ctx);
  });

/**
 * The search filters alone (no paging, sort or status), validated as search validates them: the
 * facets query, and the `query` a saved search keeps (routes/saved-searches), so that a saved
 * search is exactly a search a visitor could run.
 */
export const SearchFiltersSchema = z
  .object(searchFields)
  .strict()
  .superRefine((v, ctx) => crossChecks(v, ctx));

export type ParsedSearchFilters = z.infer<typeof SearchFiltersSchema>;

/** A number as its URL text: plain decimal digits, never an exponent (1e-7 is 0.0000001). */
const decimalText = (n: number) => (n === 0 ? '0' : n.toFixed(10).replace(/\.?0+$/, ''));

/**
 * Parsed filters back to the URL parameters that parse to them, in the canonical spelling (the
 * inverse of SearchFiltersSchema): `GET /v1/properties?<these>` runs the same search.
 */
export function toFilterParams(v: ParsedSearchFilters): Record<string, string> {
  const params: Record<string, string> = {};
  for (const name of FACETS_PARAMS) {
    const value = v[name as keyof ParsedSearchFilters];
    if (value === undefined) continue;
    if (typeof value === 'string') params[name] = value;
    else if (typeof value === 'number') params[name] = decimalText(value);
    else if ('minLng' in value)
      params[name] = [value.minLng, value.minLat, value.maxLng, value.maxLat].map(decimalText).join(',');
    else params[name] = [value.lat, value.lng].map(decimalText).join(',');
  }
  return params;
}

type ParsedSearch = z.infer<typeof AdminSearchQuerySchema>;

/** Query → service filters (drops undefined, so the cursor scope is canonical). */
export function toFilters(v: Partial<ParsedSearch>): SearchFilters {
  const f: SearchFilters = {
    q: v.q,
    city: v.city,
    propertyType: v.propertyType,
    listingType: v.listingType,
    minPrice: v.minPrice,
    maxPrice: v.maxPrice,
    minBedrooms: v.minBedrooms,
    minBathrooms: v.minBathrooms,
    minArea: v.minArea,
    maxArea: v.maxArea,
    bbox: v.bbox,
    near: v.near,
    radiusKm: v.radiusKm,
    status: v.status,
  };
  for (const key of Object.keys(f) as Array<keyof SearchFilters>) if (f[key] === undefined) delete f[key];
  return f;
}

export const toSort = (v: { sort: SearchSort }) => v.sort;

// ---- responses ----

export const AddressSchema = z.object({
  line1: AddressLine1,
  city: City,
  region: Region,
  postalCode: PostalCode,
  country: Country,
});

export const ImageSchema = z
  .object({
    id: UuidSchema,
    url: z.string(),
    srcset: z.string().openapi({
      description:
        'HTML srcset of the scaled variants: `<url>?w=N Nw, ...` for each listed width not larger than the photo ' +
        '(a photo narrower than 160 px: its original at its own width)',
      example: 'https://api.example.com/v1/images/0190…?w=160 160w, https://api.example.com/v1/images/0190…?w=320 320w',
    }),
    altText: AltText,
    width: ImageDimension,
    height: ImageDimension,
    sortOrder: SortOrder,
    isCover: z.boolean(),
  })
  .openapi('PropertyImage');

const base = {
  id: UuidSchema,
  slug: Slug,
  title: Title,
  propertyType: z.enum(PROPERTY_TYPES),
  listingType: z.enum(LISTING_TYPES),
  status: z.enum(LISTING_STATUSES),
  price: Price,
  previousPrice: Price.nullable().openapi({
    description: 'The price before the latest change (minor units); null when the price never changed.',
  }),
  currency: Currency,
  priceFormatted: z
    .string()
    .max(PRICE_FORMATTED_MAX)
    // Intl output: no control characters.
    .openapi({ pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$', example: '$1,250,000' }),
  bedrooms: Bedrooms,
  bathrooms: z.number(),
  areaSqm: AreaSqm.nullable(),
  address: AddressSchema,
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  features: Features,
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const ListingSummarySchema = z
  .object({
    ...base,
    coverImage: ImageSchema.omit({ sortOrder: true, isCover: true }).nullable(),
    distanceKm: z.number().optional().openapi({ description: 'With near' }),
  })
  .openapi('PropertySummary');

export const PriceHistoryEntrySchema = z.object({ price: Price, changedAt: Timestamp }).openapi('PriceHistoryEntry');

export const ListingSchema = z
  .object({
    ...base,
    description: Description,
    images: z.array(ImageSchema).max(MAX_IMAGES_PER_LISTING),
    priceHistory: z
      .array(PriceHistoryEntrySchema)
      .max(PRICE_HISTORY_MAX)
      .openapi({
        description:
          `Oldest first: the original list price (at the listing's creation), then each change of price. At most ${PRICE_HISTORY_MAX} ` +
          `entries: the original price and the latest ${PRICE_HISTORY_MAX - 1} changes (older changes are left out).`,
      }),
  })
  .openapi('Property');

export const AdminListingSchema = ListingSchema.extend({
  version: z.number().int().min(1).max(2_147_483_647).openapi({ format: 'int32' }),
  publishedAt: Timestamp.nullable(),
  createdBy: UuidSchema.nullable(),
}).openapi('AdminProperty');

export const SearchPageSchema = pageSchema(ListingSummarySchema).openapi('PropertySearchPage');

/** A count of listings: `count(*)::int` in the facets query (services/listings/facets.ts). */
const ListingCount = z.number().int().min(0).max(2_147_483_647).openapi({ format: 'int32' });
const count = <T extends z.ZodType>(value: T, most: number) =>
  z.array(z.object({ value, count: ListingCount })).max(most);

export const FacetsSchema = z
  .object({
    total: ListingCount,
    propertyType: count(z.enum(PROPERTY_TYPES), PROPERTY_TYPES.length),
    listingType: count(z.enum(LISTING_TYPES), LISTING_TYPES.length),
    city: count(City, MAX_CITIES),
    priceBands: z.array(z.object({ min: Price, max: Price.nullable(), count: ListingCount })).max(PRICE_BANDS.length),
  })
  .openapi('PropertyFacets');
