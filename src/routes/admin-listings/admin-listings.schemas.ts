import { z } from '@hono/zod-openapi';
import { LISTING_STATUSES, LISTING_TYPES, PROPERTY_TYPES } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';
import {
  AddressLine1,
  AreaSqm,
  Bedrooms,
  City,
  Country,
  Currency,
  Description,
  Features,
  PostalCode,
  Price,
  Region,
  Title,
} from '../shared/listing-fields';
import { TimestampSchema } from '../shared/schemas';

const AddressInput = z
  .object({
    line1: AddressLine1,
    city: City,
    region: Region.optional(),
    postalCode: PostalCode.optional(),
    country: Country,
  })
  .strict();

const fields = {
  title: Title,
  description: Description.optional(),
  propertyType: z.enum(PROPERTY_TYPES),
  listingType: z.enum(LISTING_TYPES),
  price: Price,
  currency: Currency.optional(),
  bedrooms: Bedrooms.optional(),
  bathrooms: z.number().min(0).max(99.5).multipleOf(0.5).optional().openapi({ multipleOf: 0.5 }),
  areaSqm: AreaSqm.nullable().optional(),
  address: AddressInput,
  latitude: z
    .number()
    .min(-90)
    .max(90)
    .nullable()
    .optional()
    .openapi({ description: 'With longitude: both numbers, or both null.' }),
  longitude: z.number().min(-180).max(180).nullable().optional(),
  features: Features.optional(),
};

/** property_status_history_reason_length. */
const STATUS_REASON_MAX = 1000;

// `paired`, as far as JSON Schema can say it (null also pairs with null: the description says so).
const PAIRED = { dependentRequired: { latitude: ['longitude'], longitude: ['latitude'] } } as object;

const paired = (v: { latitude?: number | null; longitude?: number | null }) =>
  (v.latitude === undefined) === (v.longitude === undefined) && (v.latitude === null) === (v.longitude === null);

export const CreateListingSchema = z
  .object(fields)
  .strict()
  .refine(paired, { message: 'latitude and longitude go together', path: ['latitude'] })
  .openapi('CreateProperty', PAIRED);

export const UpdateListingSchema = z
  .object({ ...fields, address: AddressInput.partial().strict() })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'at least one field is required' })
  .refine(paired, { message: 'latitude and longitude go together', path: ['latitude'] })
  .openapi('UpdateProperty', { minProperties: 1, ...PAIRED });

export const StatusChangeSchema = z
  .object({ status: z.enum(LISTING_STATUSES), reason: z.string().trim().min(1).max(STATUS_REASON_MAX).optional() })
  .strict()
  .openapi('PropertyStatusChange');

export const HistorySchema = z
  .object({
    data: z.array(
      z.object({
        from: z.enum(LISTING_STATUSES).nullable(),
        to: z.enum(LISTING_STATUSES),
        reason: z.string().max(STATUS_REASON_MAX).nullable(),
        changedBy: UuidSchema.nullable(),
        changedAt: TimestampSchema,
      }),
    ),
  })
  .openapi('PropertyStatusHistory');
