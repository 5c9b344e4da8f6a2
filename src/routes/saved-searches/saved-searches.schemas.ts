import { z } from '@hono/zod-openapi';
import { ALERT_FREQUENCIES, LISTING_ALERT_KINDS } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';
import {
  DEFAULT_ALERTS,
  DEFAULT_FREQUENCY,
  MAX_SAVED_SEARCHES,
  SAVED_SEARCH_NAME_MAX,
} from '../../services/saved-searches/limits';
import { SearchFiltersSchema } from '../listings/listings.schemas';
import { TimestampSchema } from '../shared/schemas';

/**
 * JSON clients send numbers (`"minPrice": 100000`) where a URL carries digits: a finite number
 * becomes its decimal text, and then the search's own filter schema decides, so a saved query is
 * refused exactly when `GET /v1/properties` would refuse it (the errors' paths start `query.`).
 */
function numbersAsText(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      typeof item === 'number' && Number.isFinite(item) ? String(item) : item,
    ]),
  );
}

const QUERY_DESCRIPTION =
  'The parameters of `GET /v1/properties` without paging or sort (`q, city, propertyType, listingType, minPrice, ' +
  'maxPrice, minBedrooms, minBathrooms, minArea, maxArea, bbox, near, radiusKm`), validated exactly as that ' +
  'search validates them: an unknown parameter (`sort`, `limit`, `cursor`, `status` included) or a value the ' +
  'search would refuse is a 422 naming `query.<parameter>`. Numbers may be sent as JSON numbers or as the digits ' +
  'a URL carries.';

export const SavedSearchQueryInput = z.preprocess(numbersAsText, SearchFiltersSchema).openapi({
  description: QUERY_DESCRIPTION,
  example: { city: 'Austin', propertyType: 'house', maxPrice: 90_000_000, minBedrooms: 3 },
});

const queryText = z
  .string()
  .max(200)
  // NUL: refused in any input by the router's hook, so never stored.
  .openapi({ pattern: '^[^\\u0000]*$' });
type QueryTextShape = { [K in keyof typeof SearchFiltersSchema.shape]: z.ZodOptional<typeof queryText> };

/** What a saved search's `query` is in responses: each filter as the URL spells it. */
export const SavedSearchQuerySchema = z
  .object(
    Object.fromEntries(
      Object.keys(SearchFiltersSchema.shape).map((name) => [name, queryText.optional()]),
    ) as QueryTextShape,
  )
  .openapi('SavedSearchQuery', {
    description:
      'The saved filters in their canonical URL spelling (strings: digits, `lng,lat,…` lists, trimmed text): ' +
      '`GET /v1/properties?` with these as URL parameters runs the saved search.',
    example: { city: 'Austin', propertyType: 'house', maxPrice: '90000000', minBedrooms: '3' },
  });

// One line: alert emails show it (subject included). U+2028/2029 are line breaks too.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ONE_LINE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;

const NameSchema = z
  .string()
  .trim()
  .min(1)
  .max(SAVED_SEARCH_NAME_MAX)
  .regex(ONE_LINE, 'must be one line, without control characters')
  .openapi({ example: 'Family homes in Austin' });

const AlertsSchema = z
  .array(z.enum(LISTING_ALERT_KINDS))
  .min(1)
  .max(LISTING_ALERT_KINDS.length)
  .openapi({
    description:
      'Which listing events alert this search: a listing that becomes public (`new_listing`), gets cheaper ' +
      '(`price_drop`) or comes back on the market (`back_on_market`). A set: repeats count once.',
  });

const FrequencySchema = z.enum(ALERT_FREQUENCIES).openapi({
  description:
    '`instant`: an email per matching listing within minutes; `daily`/`weekly`: one digest email per period; ' +
    '`off`: no alerts (what the unsubscribe link sets). Alerts go only to a verified email address.',
});

export const CreateSavedSearchSchema = z
  .object({
    name: NameSchema,
    query: SavedSearchQueryInput,
    alerts: AlertsSchema.optional().openapi({ description: `Default: ${DEFAULT_ALERTS.join(', ')} (all three).` }),
    frequency: FrequencySchema.optional().openapi({ description: `Default: ${DEFAULT_FREQUENCY}.` }),
  })
  .strict()
  .openapi('CreateSavedSearch');

export const UpdateSavedSearchSchema = z
  .object({
    name: NameSchema.optional(),
    query: SavedSearchQueryInput.optional().openapi({
      description: `Replaces the whole saved query (no merge). ${QUERY_DESCRIPTION}`,
    }),
    alerts: AlertsSchema.optional(),
    frequency: FrequencySchema.optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((field) => field !== undefined), {
    message: 'give at least one of name, query, alerts, frequency',
  })
  .openapi('UpdateSavedSearch', { minProperties: 1 });

export const SavedSearchSchema = z
  .object({
    id: UuidSchema,
    name: z.string().min(1).max(SAVED_SEARCH_NAME_MAX).regex(ONE_LINE),
    query: SavedSearchQuerySchema,
    alerts: z.array(z.enum(LISTING_ALERT_KINDS)).min(1).max(LISTING_ALERT_KINDS.length),
    frequency: z.enum(ALERT_FREQUENCIES),
    createdAt: TimestampSchema,
    lastAlertedAt: TimestampSchema.nullable().openapi({ description: 'When an alert of this search was last sent.' }),
  })
  .openapi('SavedSearch');

export const SavedSearchListSchema = z
  .object({ data: z.array(SavedSearchSchema).max(MAX_SAVED_SEARCHES) })
  .openapi('SavedSearchList');
