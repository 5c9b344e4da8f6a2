import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  json,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  ACCOUNT_TOKEN_PURPOSES,
  ALERT_FREQUENCIES,
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  INQUIRY_EVENT_TYPES,
  INQUIRY_STATUSES,
  JOB_STATUSES,
  LISTING_ALERT_KINDS,
  LISTING_STATUSES,
  LISTING_TYPES,
  NOTIFICATION_STATUSES,
  PROPERTY_TYPES,
  USER_ROLES,
} from './enums';
import { mailbox } from './mailbox';

const tsvector = customType<{ data: string }>({
  dataType() {
    return 'tsvector';
  },
});

const tsquery = customType<{ data: string }>({
  dataType() {
    return 'tsquery';
  },
});

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => timestamptz('created_at').notNull().defaultNow();
const updatedAt = () => timestamptz('updated_at').notNull().defaultNow();

export const userRole = pgEnum('user_role', USER_ROLES);
export const propertyType = pgEnum('property_type', PROPERTY_TYPES);
export const listingType = pgEnum('listing_type', LISTING_TYPES);
export const propertyStatus = pgEnum('property_status', LISTING_STATUSES);
export const inquiryStatus = pgEnum('inquiry_status', INQUIRY_STATUSES);
export const inquiryEventType = pgEnum('inquiry_event_type', INQUIRY_EVENT_TYPES);
export const notificationStatus = pgEnum('notification_status', NOTIFICATION_STATUSES);
export const jobStatus = pgEnum('job_status', JOB_STATUSES);
export const auditAction = pgEnum('audit_action', AUDIT_ACTIONS);
export const auditTargetType = pgEnum('audit_target_type', AUDIT_TARGET_TYPES);
export const listingAlertKind = pgEnum('listing_alert_kind', LISTING_ALERT_KINDS);
export const alertFrequency = pgEnum('alert_frequency', ALERT_FREQUENCIES);
export const accountTokenPurpose = pgEnum('account_token_purpose', ACCOUNT_TOKEN_PURPOSES);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    // Stored lower-cased (CHECK below), so a plain unique index makes it case-insensitive.
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    name: text('name').notNull(),
    role: userRole('role').notNull().default('user'),
    isActive: boolean('is_active').notNull().default(true),
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    // Set when the account-wide ceiling of failed sign-ins is reached; no time lifts it, only a
    // stronger check (a known client's sign-in, the signed-in owner's password change, an admin).
    lockedAt: timestamptz('locked_at'),
    // No longer read or written (client locks live in login_throttles). Kept while the previous
    // Worker may still run during a deploy; drop it in the next release (docs/operations.md).
    lockedUntil: timestamptz('locked_until'),
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    // Set when the owner proved they read this address (a verification link); null until then.
    // Mail the user did not ask for (alerts) goes to verified addresses only.
    emailVerifiedAt: timestamptz('email_verified_at'),
    lastLoginAt: timestamptz('last_login_at'),
    passwordChangedAt: timestamptz('password_changed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('idx_users_email').on(t.email),
    index('users_role_idx').on(t.role).where(sql`${t.isActive}`),
    check(
      'users_email_normalized',
      sql`${t.email} = lower(${t.email}) and ${t.email} like '%_@_%' and length(${t.email}) <= 254`,
    ),
    check('users_name_length', sql`length(${t.name}) between 1 and 100`),
    check('users_password_hash_bcrypt', sql`${t.passwordHash} like '$2_$%'`),
    check('users_failed_login_count', sql`${t.failedLoginCount} >= 0`),
  ],
);

/**
 * Sign-in failures and successes per account and client. A client is a hash of the account and
 * the caller's address (IPv4, or the IPv6 /64) or of its session (password changes): a stranger's
 * guesses lock the stranger's client, not the owner's.
 */
export const loginThrottles = pgTable(
  'login_throttles',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientKey: text('client_key').notNull(),
    failedCount: integer('failed_count').notNull().default(0),
    lockedUntil: timestamptz('locked_until'),
    lastFailedAt: timestamptz('last_failed_at'),
    // A client that signed in recently is "known": the account-wide lock does not stop it.
    lastSucceededAt: timestamptz('last_succeeded_at'),
    // The last failure or success: retention forgets clients silent for LOGIN_KNOWN_CLIENT_DAYS.
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('login_throttles_user_client_key').on(t.userId, t.clientKey),
    index('login_throttles_last_seen_at_idx').on(t.lastSeenAt),
    check('login_throttles_failed_count', sql`${t.failedCount} >= 0`),
  ],
);

export const properties = pgTable(
  'properties',
  {
    id: uuid('id').primaryKey(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    propertyType: propertyType('property_type').notNull(),
    listingType: listingType('listing_type').notNull(),
    status: propertyStatus('status').notNull().default('draft'),
    // Minor units (cents); bigint so that large sale prices never overflow.
    price: bigint('price', { mode: 'number' }).notNull(),
    // The price before the latest change (null until it changes), set by a trigger (custom
    // migration) in the statement that changes the price, so summaries need no join.
    previousPrice: bigint('previous_price', { mode: 'number' }),
    currency: text('currency').notNull().default('USD'),
    bedrooms: smallint('bedrooms').notNull().default(0),
    bathrooms: numeric('bathrooms', { precision: 3, scale: 1, mode: 'number' }).notNull().default(0),
    areaSqm: integer('area_sqm'),
    addressLine1: text('address_line1').notNull(),
    city: text('city').notNull(),
    region: text('region').notNull().default(''),
    postalCode: text('postal_code').notNull().default(''),
    country: text('country').notNull(),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    features: text('features').array().notNull().default(sql`'{}'::text[]`),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(address_line1, '') || ' ' || coalesce(city, '') || ' ' || coalesce(region, '')), 'B') || setweight(to_tsvector('english', coalesce(description, '')), 'C')`,
      ),
    // Bumped on every admin edit; the ETag and If-Match are built on it.
    version: integer('version').notNull().default(1),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    publishedAt: timestamptz('published_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('properties_slug_key').on(t.slug),
    index('idx_properties_status').on(t.status),
    index('idx_properties_price').on(t.price),
    index('idx_properties_location').on(t.city, t.region),
    // Public search only ever sees active and pending listings: partial indexes keep it small.
    index('properties_public_newest_idx')
      .on(t.createdAt.desc(), t.id.desc())
      .where(sql`${t.status} in ('active', 'pending')`),
    index('properties_public_price_idx').on(t.price, t.id).where(sql`${t.status} in ('active', 'pending')`),
    index('properties_public_city_idx')
      .on(sql`lower(${t.city})`, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.status} in ('active', 'pending')`),
    index('properties_public_geo_idx')
      .on(t.latitude, t.longitude)
      .where(sql`${t.status} in ('active', 'pending') and ${t.latitude} is not null`),
    index('properties_search_idx').using('gin', t.search),
    // Public full-text search reads the words of public listings only. With the GIN index above
    // alone, a word common among sold listings but absent from public ones (its frequency is
    // table-wide) made the planner pick idx_properties_status and check the words of every
    // public listing instead, a near tie its ANALYZE sample decided.
    index('properties_public_search_idx').using('gin', t.search).where(sql`${t.status} in ('active', 'pending')`),
    // Facet counts of a filter set the counts table cannot answer: an index-only scan, no heap.
    index('properties_public_facets_idx')
      .on(t.propertyType, t.listingType, t.city, t.price)
      .where(sql`${t.status} in ('active', 'pending')`),
    index('properties_created_by_idx').on(t.createdBy),
    check('properties_slug_format', sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(${t.slug}) <= 120`),
    // Ids win over slugs in GET /v1/properties/:idOrSlug: a slug shaped like an id would serve another listing.
    check(
      'properties_slug_not_an_id',
      sql`${t.slug} !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`,
    ),
    check('properties_title_length', sql`length(${t.title}) between 3 and 200`),
    check('properties_description_length', sql`length(${t.description}) <= 20000`),
    check('properties_price_range', sql`${t.price} >= 0 and ${t.price} <= 100000000000000`),
    check('properties_currency_format', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('properties_bedrooms_range', sql`${t.bedrooms} between 0 and 100`),
    check('properties_bathrooms_range', sql`${t.bathrooms} between 0 and 100`),
    check('properties_area_range', sql`${t.areaSqm} is null or ${t.areaSqm} between 1 and 100000000`),
    check('properties_country_format', sql`${t.country} ~ '^[A-Z]{2}$'`),
    check('properties_latitude_range', sql`${t.latitude} is null or ${t.latitude} between -90 and 90`),
    check('properties_longitude_range', sql`${t.longitude} is null or ${t.longitude} between -180 and 180`),
    check('properties_coordinates_paired', sql`(${t.latitude} is null) = (${t.longitude} is null)`),
    check('properties_features_count', sql`cardinality(${t.features}) <= 50`),
    check('properties_version_positive', sql`${t.version} >= 1`),
  ],
);

/**
 * Public (active, pending) listings per facet group, kept by statement-level triggers on
 * properties (custom migration), so the facets of the whole catalogue read a few thousand
 * rows instead of every listing. The price band comes from listing_price_band(), which must
 * agree with PRICE_BANDS in services/listings/facets.ts (a test pins it). min_price and
 * max_price bound the prices in the group: widened by every change, reset when the group
 * empties, never narrowed otherwise; they tell a price filter that takes or leaves a whole
 * group from one that cuts through it (answered by counting listings instead).
 */
export const listingFacetCounts = pgTable(
  'listing_facet_counts',
  {
    propertyType: propertyType('property_type').notNull(),
    listingType: listingType('listing_type').notNull(),
    city: text('city').notNull(),
    priceBand: smallint('price_band').notNull(),
    listings: integer('listings').notNull(),
    minPrice: bigint('min_price', { mode: 'number' }),
    maxPrice: bigint('max_price', { mode: 'number' }),
  },
  (t) => [
    primaryKey({ name: 'listing_facet_counts_pk', columns: [t.propertyType, t.listingType, t.city, t.priceBand] }),
  ],
);

export const propertyImages = pgTable(
  'property_images',
  {
    id: uuid('id').primaryKey(),
    propertyId: uuid('property_id')
      .notNull()
      .references(() => properties.id, { onDelete: 'cascade' }),
    r2Key: text('r2_key').notNull(),
    contentType: text('content_type').notNull(),
    byteSize: integer('byte_size').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    sha256: text('sha256').notNull(),
    altText: text('alt_text').notNull().default(''),
    sortOrder: integer('sort_order').notNull(),
    isCover: boolean('is_cover').notNull().default(false),
    // Whether a fallback variant must be a PNG rather than a JPEG (see services/images/variants.ts).
    hasAlpha: boolean('has_alpha').notNull().default(false),
    // Set when a request found no R2 object behind the row; the orphan sweep settles it.
    objectMissingAt: timestamptz('object_missing_at'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // (property_id, sort_order) is unique through a DEFERRABLE constraint in the custom
    // migration, so that a reorder can swap positions in one statement.
    uniqueIndex('property_images_r2_key_key').on(t.r2Key),
    uniqueIndex('property_images_one_cover_idx').on(t.propertyId).where(sql`${t.isCover}`),
    check(
      'property_images_content_type',
      sql`${t.contentType} in ('image/jpeg', 'image/png', 'image/webp', 'image/avif')`,
    ),
    check('property_images_byte_size', sql`${t.byteSize} > 0`),
    check('property_images_dimensions', sql`${t.width} > 0 and ${t.height} > 0`),
    check('property_images_alt_text_length', sql`length(${t.altText}) <= 300`),
    check('property_images_sort_order', sql`${t.sortOrder} >= 0`),
    check('property_images_sha256', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
  ],
);

/**
 * Every price a listing has had: its list price when inserted, then each change. Written only by
 * row-level triggers on properties (custom migration), in the statement that sets the price. The
 * identity id orders changes made in one transaction (same changed_at).
 */
export const propertyPriceHistory = pgTable(
  'property_price_history',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    propertyId: uuid('property_id')
      .notNull()
      .references(() => properties.id, { onDelete: 'cascade' }),
    price: bigint('price', { mode: 'number' }).notNull(),
    changedAt: timestamptz('changed_at').notNull().defaultNow(),
  },
  (t) => [
    index('property_price_history_property_idx').on(t.propertyId, t.changedAt, t.id),
    check('property_price_history_price_range', sql`${t.price} >= 0 and ${t.price} <= 100000000000000`),
  ],
);

/** A visitor's favourite listings. The listing's own row says what it is now (status, price). */
export const favorites = pgTable(
  'favorites',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    propertyId: uuid('property_id')
      .notNull()
      .references(() => properties.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'favorites_pk', columns: [t.userId, t.propertyId] }),
    index('favorites_user_newest_idx').on(t.userId, t.createdAt.desc(), t.propertyId.desc()),
    // Deleting a listing removes its favourites: found through this, not a scan.
    index('favorites_property_idx').on(t.propertyId),
  ],
);

export const propertyStatusHistory = pgTable(
  'property_status_history',
  {
    id: uuid('id').primaryKey(),
    // No foreign key on purpose: the audit trail outlives a deleted listing.
    propertyId: uuid('property_id').notNull(),
    fromStatus: propertyStatus('from_status'),
    toStatus: propertyStatus('to_status').notNull(),
    reason: text('reason'),
    changedBy: uuid('changed_by').references(() => users.id, { onDelete: 'set null' }),
    changedAt: timestamptz('changed_at').notNull().defaultNow(),
  },
  (t) => [
    index('property_status_history_property_idx').on(t.propertyId, t.changedAt),
    check('property_status_history_reason_length', sql`length(${t.reason}) <= 1000`),
    check('property_status_history_changes', sql`${t.fromStatus} is distinct from ${t.toStatus}`),
  ],
);

export const inquiries = pgTable(
  'inquiries',
  {
    id: uuid('id').primaryKey(),
    propertyId: uuid('property_id').references(() => properties.id, { onDelete: 'set null' }),
    // The listing's id and title when it was deleted (property_id is then null): set by a trigger.
    deletedPropertyId: uuid('deleted_property_id'),
    deletedPropertyTitle: text('deleted_property_title'),
    name: text('name').notNull(),
    email: text('email').notNull(),
    phone: text('phone'),
    message: text('message').notNull(),
    status: inquiryStatus('status').notNull().default('new'),
    assignedTo: uuid('assigned_to').references(() => users.id, { onDelete: 'set null' }),
    // The signed-in visitor who sent it (their access token); null for an anonymous inquiry.
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    // SHA-256 (hex) of the Idempotency-Key with the request body's hash, never the key as sent;
    // null once the key has expired (24 hours, services/inquiries/request-hash.ts).
    idempotencyKey: text('idempotency_key'),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    firstRespondedAt: timestamptz('first_responded_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('inquiries_idempotency_key_key').on(t.idempotencyKey),
    // The keys the retention job forgets: only inquiries that still hold one.
    index('inquiries_idempotency_created_idx').on(t.createdAt).where(sql`${t.idempotencyKey} is not null`),
    index('idx_inquiries_status').on(t.status),
    index('idx_inquiries_created_at').on(t.createdAt),
    index('inquiries_keyset_idx').on(t.createdAt.desc(), t.id.desc()),
    index('inquiries_assigned_to_idx').on(t.assignedTo, t.createdAt.desc()),
    index('inquiries_property_idx').on(t.propertyId, t.createdAt.desc()),
    // GET /v1/me/inquiries; only inquiries sent signed in have a user.
    index('inquiries_user_idx').on(t.userId, t.createdAt.desc(), t.id.desc()).where(sql`${t.userId} is not null`),
    // Inquiries of one sending network in the last day: the acknowledgement budget per network.
    index('inquiries_ip_address_idx').on(t.ipAddress, t.createdAt),
    check('inquiries_name_length', sql`length(${t.name}) between 1 and 100`),
    check('inquiries_email_length', sql`length(${t.email}) between 3 and 254 and ${t.email} like '%_@_%'`),
    check('inquiries_phone_format', sql`${t.phone} is null or ${t.phone} ~ '^\\+[1-9][0-9]{6,14}$'`),
    check('inquiries_message_length', sql`length(${t.message}) between 10 and 5000`),
    check('inquiries_idempotency_key_hash', sql`${t.idempotencyKey} ~ '^[0-9a-f]{64}$'`),
  ],
);

export const inquiryEvents = pgTable(
  'inquiry_events',
  {
    id: uuid('id').primaryKey(),
    inquiryId: uuid('inquiry_id')
      .notNull()
      .references(() => inquiries.id, { onDelete: 'cascade' }),
    type: inquiryEventType('type').notNull(),
    fromStatus: inquiryStatus('from_status'),
    toStatus: inquiryStatus('to_status'),
    assignedTo: uuid('assigned_to').references(() => users.id, { onDelete: 'set null' }),
    note: text('note'),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('inquiry_events_inquiry_idx').on(t.inquiryId, t.createdAt),
    check('inquiry_events_note_length', sql`length(${t.note}) <= 5000`),
  ],
);

// A session is one sign-in on one device; its refresh tokens form one rotation family.
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    deviceName: text('device_name'),
    userAgent: text('user_agent'),
    ipAddress: text('ip_address'),
    createdAt: createdAt(),
    lastUsedAt: timestamptz('last_used_at').notNull().defaultNow(),
    // Absolute lifetime: rotation never extends a session past this.
    expiresAt: timestamptz('expires_at').notNull(),
    revokedAt: timestamptz('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId, t.createdAt.desc()),
    check('sessions_device_name_length', sql`length(${t.deviceName}) <= 100`),
    check('sessions_user_agent_length', sql`length(${t.userAgent}) <= 512`),
  ],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // SHA-256 of the token, hex; the token itself is never stored.
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
    replacedBy: uuid('replaced_by'),
    revokedAt: timestamptz('revoked_at'),
    lastUsedAt: timestamptz('last_used_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_token_hash_key').on(t.tokenHash),
    index('refresh_tokens_session_idx').on(t.sessionId),
    index('refresh_tokens_user_idx').on(t.userId),
    index('refresh_tokens_expires_at_idx').on(t.expiresAt),
    check('refresh_tokens_token_hash_format', sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

/**
 * Single-use tokens sent by email (password reset, email verification). Only the SHA-256 of the
 * token is stored; `email` is the address it was sent to, so a token stops working once the
 * account's address changes. Used and expired rows are kept a while (the per-address budgets
 * count them) and then deleted by retention.
 */
export const accountTokens = pgTable(
  'account_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: accountTokenPurpose('purpose').notNull(),
    tokenHash: text('token_hash').notNull(),
    email: text('email').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('account_tokens_token_hash_key').on(t.tokenHash),
    // The budgets (tokens issued to one account lately) and "every other token of the account".
    index('account_tokens_user_purpose_idx').on(t.userId, t.purpose, t.createdAt.desc()),
    index('account_tokens_expires_at_idx').on(t.expiresAt),
    check('account_tokens_token_hash_format', sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

/**
 * Partitioned by month of created_at (custom migration: declarative partitioning is beyond
 * Drizzle), so retention drops whole months and the dashboard's date ranges read only theirs.
 * The primary key therefore includes created_at.
 */
export const analyticsEvents = pgTable(
  'analytics_events',
  {
    id: uuid('id').notNull(),
    type: text('type').notNull(),
    propertyId: uuid('property_id').references(() => properties.id, { onDelete: 'set null' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    // Truncated IP (/24 or /48): enough for abuse patterns, not enough to identify a person.
    ipAddress: text('ip_address'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.createdAt] }),
    index('analytics_events_created_at_idx').on(t.createdAt),
    index('analytics_events_type_created_idx').on(t.type, t.createdAt),
    index('analytics_events_property_views_idx').on(t.propertyId, t.createdAt).where(sql`${t.type} = 'property_view'`),
    check('analytics_events_type_format', sql`${t.type} ~ '^[a-z][a-z_]{1,47}$'`),
    check('analytics_events_metadata_size', sql`pg_column_size(${t.metadata}) <= 4096`),
  ],
);

// Views per listing per UTC day, kept by a statement-level trigger on analytics_events (custom
// migration), so the dashboard reads thousands of rollup rows instead of millions of events.
// Pruning old events does not change it; a deleted listing takes its rows with it.
export const analyticsDailyViews = pgTable(
  'analytics_daily_views',
  {
    day: date('day', { mode: 'string' }).notNull(),
    propertyId: uuid('property_id')
      .notNull()
      .references(() => properties.id, { onDelete: 'cascade' }),
    views: bigint('views', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.propertyId] }), check('analytics_daily_views_positive', sql`${t.views} > 0`)],
);

/**
 * One row per listing, viewer and 30-minute window in which that viewer's view was counted: a
 * view whose row already exists is not stored, so one client moves a listing's count by at most
 * one per window. `viewer` is a keyed hash of the client (lib/viewer-key.ts), never an address;
 * the nightly retention deletes past windows.
 */
export const analyticsViewClaims = pgTable(
  'analytics_view_claims',
  {
    propertyId: uuid('property_id').notNull(),
    viewer: text('viewer').notNull(),
    windowStart: timestamptz('window_start').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.propertyId, t.viewer, t.windowStart] }),
    index('analytics_view_claims_window_idx').on(t.windowStart),
    check('analytics_view_claims_viewer', sql`${t.viewer} ~ '^[0-9a-f]{32}$'`),
  ],
);

export const notificationQueue = pgTable(
  'notification_queue',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind').notNull(),
    recipient: text('recipient').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    status: notificationStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    leaseUntil: timestamptz('lease_until'),
    leasedBy: text('leased_by'),
    lastError: text('last_error'),
    // Sent to the provider with every attempt, so a retried send is never delivered twice.
    idempotencyKey: text('idempotency_key').notNull(),
    sentAt: timestamptz('sent_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('notification_queue_idempotency_key_key').on(t.idempotencyKey),
    index('notification_queue_due_idx').on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'sending')`),
    index('notification_queue_status_idx').on(t.status, t.updatedAt),
    // Acknowledgements to one mailbox in the last day: the acknowledgement budget per recipient.
    index('notification_queue_ack_mailbox_idx')
      .on(mailbox(t.recipient), t.createdAt)
      .where(sql`${t.kind} = 'inquiry_acknowledgement'`),
    check('notification_queue_attempts', sql`${t.attempts} >= 0`),
    check('notification_queue_recipient', sql`${t.recipient} like '%_@_%'`),
    check('notification_queue_lease', sql`${t.status} <> 'sending' or ${t.leaseUntil} is not null`),
  ],
);

export const jobRuns = pgTable(
  'job_runs',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    trigger: text('trigger').notNull(),
    status: jobStatus('status').notNull().default('running'),
    startedAt: timestamptz('started_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
    // A run that crashed is taken over once its lease has passed.
    leaseUntil: timestamptz('lease_until'),
    rowsAffected: integer('rows_affected'),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
  },
  (t) => [
    index('job_runs_name_started_idx').on(t.name, t.startedAt.desc()),
    // At most one running run per job: a second start conflicts and records 'skipped'.
    uniqueIndex('job_runs_one_running_idx').on(t.name).where(sql`${t.status} = 'running'`),
    check('job_runs_trigger', sql`${t.trigger} in ('cron', 'manual')`),
    check('job_runs_finished', sql`${t.status} = 'running' or ${t.finishedAt} is not null`),
  ],
);

/**
 * One row per relation (table or index) per day, written by the nightly job: the size history
 * behind the growth figures of GET /v1/admin/system/db and fastGrowingTables().
 */
export const tableSizeSamples = pgTable(
  'table_size_samples',
  {
    sampledOn: date('sampled_on', { mode: 'string' }).notNull(),
    relation: text('relation').notNull(),
    kind: text('kind').notNull(),
    tableName: text('table_name').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    // pg_class.reltuples: the planner's estimate (-1 before the first ANALYZE is stored as null).
    estimatedRows: bigint('estimated_rows', { mode: 'number' }),
  },
  (t) => [
    primaryKey({ columns: [t.relation, t.sampledOn] }),
    index('table_size_samples_sampled_on_idx').on(t.sampledOn),
    check('table_size_samples_kind', sql`${t.kind} in ('table', 'index')`),
    check('table_size_samples_bytes', sql`${t.bytes} >= 0`),
  ],
);

/**
 * The admin dashboard's figures per window, computed at most every DASHBOARD_MAX_AGE_SECONDS:
 * counting a month of views over 100,000 listings takes hundreds of milliseconds, reading a
 * row does not. read_at tells the refresh job which windows admins are looking at.
 */
export const dashboardSnapshots = pgTable(
  'dashboard_snapshots',
  {
    days: integer('days').notNull(),
    lastDay: date('last_day', { mode: 'string' }).notNull(),
    // json, not jsonb: kept as the text the dashboard query built, keys in their order.
    body: json('body').$type<Record<string, unknown>>().notNull(),
    computedAt: timestamptz('computed_at').notNull().defaultNow(),
    readAt: timestamptz('read_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.days, t.lastDay] }),
    index('dashboard_snapshots_read_at_idx').on(t.readAt),
    check('dashboard_snapshots_days', sql`${t.days} between 1 and 365`),
  ],
);

/**
 * The durable trail of admin writes and security events. Each row is written in the statement or
 * batch of the change it records. Append-only: the app role may not UPDATE or DELETE (roles.sql)
 * and a trigger refuses both to anyone, except the deletes of purge_audit_log() (the retention
 * job) of rows older than its cutoff (custom migration). No foreign keys on purpose: the trail
 * outlives the users and listings it names, and a cascade would have to rewrite it.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey(),
    at: timestamptz('at').notNull().defaultNow(),
    // Null for an event no signed-in user caused (a lockout, a reused refresh token).
    actorId: uuid('actor_id'),
    action: auditAction('action').notNull(),
    targetType: auditTargetType('target_type').notNull(),
    // Text: a job is named, everything else is a UUID.
    targetId: text('target_id').notNull(),
    // Only the fields that changed, as they were and as they became.
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
    // Truncated (/24 or /48), like analytics_events.ip_address.
    ipAddress: text('ip_address'),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at.desc(), t.id.desc()),
    index('audit_log_actor_idx').on(t.actorId, t.at.desc(), t.id.desc()),
    index('audit_log_target_idx').on(t.targetType, t.targetId, t.at.desc(), t.id.desc()),
    index('audit_log_action_idx').on(t.action, t.at.desc(), t.id.desc()),
    check('audit_log_target_id_length', sql`length(${t.targetId}) between 1 and 100`),
    check('audit_log_request_id_length', sql`length(${t.requestId}) <= 200`),
    check('audit_log_ip_length', sql`length(${t.ipAddress}) <= 64`),
    check('audit_log_changes_size', sql`pg_column_size(${t.before}) + pg_column_size(${t.after}) <= 65536`),
  ],
);

/**
 * One row per operational problem while it lasts (a failed job, a dead notification, ...):
 * `key` names the problem, so a problem still open is never opened twice (partial unique
 * index); `notified_at` paces the reminders, `resolved_at` closes it.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey(),
    key: text('key').notNull(),
    kind: text('kind').notNull(),
    summary: text('summary').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    openedAt: timestamptz('opened_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    notifiedAt: timestamptz('notified_at'),
    notifications: integer('notifications').notNull().default(0),
    resolvedAt: timestamptz('resolved_at'),
  },
  (t) => [
    uniqueIndex('alerts_open_key_idx').on(t.key).where(sql`${t.resolvedAt} is null`),
    index('alerts_opened_at_idx').on(t.openedAt.desc()),
    check('alerts_key_format', sql`${t.key} ~ '^[a-z][a-z0-9_:.-]{0,199}$'`),
    check('alerts_resolved_after_open', sql`${t.resolvedAt} is null or ${t.resolvedAt} >= ${t.openedAt}`),
  ],
);

/** Each successful `npm run db:backup`, written by the script, so the API can tell a backup's age. */
export const backupRuns = pgTable(
  'backup_runs',
  {
    id: uuid('id').primaryKey(),
    file: text('file').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    location: text('location').notNull(),
    finishedAt: timestamptz('finished_at').notNull().defaultNow(),
  },
  (t) => [
    index('backup_runs_finished_at_idx').on(t.finishedAt.desc()),
    check('backup_runs_bytes', sql`${t.bytes} >= 0`),
  ],
);

/**
 * A visitor's saved search. `query` is the search's own parameters as the client spelled them
 * (what GET /v1/properties takes); the typed columns are the same filters parsed, so that one
 * statement can match a listing against every saved search (services/saved-searches).
 */
export const savedSearches = pgTable(
  'saved_searches',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    query: jsonb('query').$type<Record<string, string>>().notNull(),
    q: text('q'),
    city: text('city'),
    propertyType: propertyType('property_type'),
    listingType: listingType('listing_type'),
    minPrice: bigint('min_price', { mode: 'number' }),
    maxPrice: bigint('max_price', { mode: 'number' }),
    minBedrooms: smallint('min_bedrooms'),
    minBathrooms: numeric('min_bathrooms', { precision: 5, scale: 2, mode: 'number' }),
    minArea: integer('min_area'),
    maxArea: integer('max_area'),
    bboxMinLng: doublePrecision('bbox_min_lng'),
    bboxMinLat: doublePrecision('bbox_min_lat'),
    bboxMaxLng: doublePrecision('bbox_max_lng'),
    bboxMaxLat: doublePrecision('bbox_max_lat'),
    nearLat: doublePrecision('near_lat'),
    nearLng: doublePrecision('near_lng'),
    radiusKm: doublePrecision('radius_km'),
    // `q` parsed once, as filters.ts textMatch parses it per search: matching a listing against
    // every saved search then compares tsqueries instead of parsing thousands of them.
    qQuery: tsquery('q_query').generatedAlwaysAs(sql`websearch_to_tsquery('english', q)`),
    alerts: listingAlertKind('alerts').array().notNull(),
    frequency: alertFrequency('frequency').notNull().default('instant'),
    lastAlertedAt: timestamptz('last_alerted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('saved_searches_user_idx').on(t.userId, t.createdAt.desc(), t.id.desc()),
    // The searches a listing change can alert: matching reads only these.
    index('saved_searches_alerting_idx')
      .on(t.propertyType, t.listingType, t.minPrice, t.maxPrice)
      .where(sql`${t.frequency} <> 'off'`),
    // What alert matching reads for one listing (services/alerts/match-predicate.ts
    // candidateSearches): the searches of its city, the circles (up to the default radius, and
    // larger) and boxes near its latitude, and those that name no place.
    index('saved_searches_alerting_city_idx').on(t.city).where(sql`${t.frequency} <> 'off' and ${t.city} is not null`),
    index('saved_searches_alerting_near_idx')
      .on(t.nearLat)
      .where(sql`${t.frequency} <> 'off' and ${t.nearLat} is not null and coalesce(radius_km, 25) <= 25`),
    index('saved_searches_alerting_far_idx')
      .on(t.nearLat)
      .where(sql`${t.frequency} <> 'off' and ${t.nearLat} is not null and radius_km > 25`),
    index('saved_searches_alerting_bbox_idx')
      .on(t.bboxMinLat, t.bboxMaxLat)
      .where(sql`${t.frequency} <> 'off' and ${t.bboxMinLat} is not null`),
    index('saved_searches_alerting_anywhere_idx')
      .on(t.createdAt)
      .where(sql`${t.frequency} <> 'off' and ${t.city} is null and ${t.nearLat} is null and ${t.bboxMinLat} is null`),
    check('saved_searches_name_length', sql`length(${t.name}) between 1 and 100`),
    check('saved_searches_alerts_not_empty', sql`cardinality(${t.alerts}) between 1 and 3`),
    check(
      'saved_searches_bbox_whole',
      sql`num_nulls(${t.bboxMinLng}, ${t.bboxMinLat}, ${t.bboxMaxLng}, ${t.bboxMaxLat}) in (0, 4)`,
    ),
    check('saved_searches_near_whole', sql`(${t.nearLat} is null) = (${t.nearLng} is null)`),
    check('saved_searches_radius_needs_near', sql`${t.radiusKm} is null or ${t.nearLat} is not null`),
    // Search's own bound (radiusKm ≤ 500): alert matching finds circles within it of a listing.
    check('saved_searches_radius_range', sql`${t.radiusKm} is null or ${t.radiusKm} <= 500`),
  ],
);

/**
 * What happened to a listing that saved searches may be alerted about, written by a row trigger
 * on properties in the statement of the change (custom migration): draft → active is a
 * new_listing, pending/off_market → active a back_on_market, a lower price on a listing that is
 * and stays active a price_drop (an insert of an active listing is a new_listing). matched_at is
 * set when the alert matching has fanned the event out to the searches it matches.
 */
export const listingEvents = pgTable(
  'listing_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    propertyId: uuid('property_id')
      .notNull()
      .references(() => properties.id, { onDelete: 'cascade' }),
    kind: listingAlertKind('kind').notNull(),
    price: bigint('price', { mode: 'number' }).notNull(),
    // The price before a price_drop; null for the other kinds.
    previousPrice: bigint('previous_price', { mode: 'number' }),
    createdAt: createdAt(),
    matchedAt: timestamptz('matched_at'),
  },
  (t) => [
    // The matching job reads only the events it has not fanned out yet.
    index('listing_events_unmatched_idx').on(t.createdAt, t.id).where(sql`${t.matchedAt} is null`),
    index('listing_events_property_idx').on(t.propertyId),
    check('listing_events_previous_price', sql`(${t.kind} = 'price_drop') = (${t.previousPrice} is not null)`),
  ],
);

/**
 * One row per saved search and listing event it matched: the primary key makes an event alert a
 * search at most once, whoever runs the matching and however often. An instant search's match
 * carries the email queued with it; a daily or weekly one waits for its digest.
 */
export const savedSearchMatches = pgTable(
  'saved_search_matches',
  {
    savedSearchId: uuid('saved_search_id')
      .notNull()
      .references(() => savedSearches.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => listingEvents.id, { onDelete: 'cascade' }),
    // No foreign keys on these two: the search's and the event's cascades already cover them,
    // and each would cost a lookup per match on the matching's hot path.
    userId: uuid('user_id').notNull(),
    propertyId: uuid('property_id').notNull(),
    kind: listingAlertKind('kind').notNull(),
    // The instant alert's notification_queue row (no foreign key: retention prunes the queue).
    notificationId: uuid('notification_id'),
    digestId: uuid('digest_id').references(() => alertDigests.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'saved_search_matches_pk', columns: [t.savedSearchId, t.eventId] }),
    index('saved_search_matches_event_idx').on(t.eventId),
    // What the digest job reads: matches neither emailed nor digested yet, per user.
    index('saved_search_matches_undigested_idx')
      .on(t.userId)
      .where(sql`${t.digestId} is null and ${t.notificationId} is null`),
    index('saved_search_matches_digest_idx').on(t.digestId),
  ],
);

/**
 * One digest email per user, frequency and period (the unique key): a second or concurrent run
 * of the same period finds its row and sends nothing more.
 */
export const alertDigests = pgTable(
  'alert_digests',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    frequency: alertFrequency('frequency').notNull(),
    // The UTC day (daily) or the Monday of the ISO week (weekly) the digest is for.
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    notificationId: uuid('notification_id').notNull(),
    // Distinct listings in the digest, including those beyond the email's first DIGEST_MAX_LISTINGS.
    listings: integer('listings').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('alert_digests_user_period_key').on(t.userId, t.frequency, t.periodStart),
    check('alert_digests_frequency', sql`${t.frequency} in ('daily', 'weekly')`),
    check('alert_digests_listings', sql`${t.listings} >= 1`),
  ],
);
