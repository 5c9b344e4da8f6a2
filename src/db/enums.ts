/**
 * The value lists of the database enums: the Drizzle schema's pgEnums, the zod schemas of the
 * API and the services' types are all derived from these.
 */

/** In order of privilege: each role may do what the ones before it may. */
export const USER_ROLES = ['user', 'admin', 'super_admin'] as const;
export const PROPERTY_TYPES = ['house', 'apartment', 'condo', 'townhouse', 'land', 'commercial', 'office'] as const;
export const LISTING_TYPES = ['sale', 'rent'] as const;
export const LISTING_STATUSES = ['draft', 'active', 'pending', 'off_market', 'sold', 'rented'] as const;
export const INQUIRY_STATUSES = ['new', 'contacted', 'qualified', 'spam', 'closed'] as const;
export const INQUIRY_EVENT_TYPES = ['created', 'status_changed', 'assigned', 'note'] as const;
export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'dead'] as const;
export const JOB_STATUSES = ['running', 'succeeded', 'failed', 'skipped', 'abandoned'] as const;
/** What a saved search can be alerted about: a listing that becomes public, gets cheaper, or returns. */
export const LISTING_ALERT_KINDS = ['new_listing', 'price_drop', 'back_on_market'] as const;
/** How a saved search's alerts are sent: one email per listing, a digest per period, or none. */
export const ALERT_FREQUENCIES = ['instant', 'daily', 'weekly', 'off'] as const;
/** What a single-use emailed account token proves: a password reset, or that the owner reads the address. */
export const ACCOUNT_TOKEN_PURPOSES = ['password_reset', 'email_verification'] as const;
/** Not a database enum: job_runs.trigger is text with a CHECK naming these. */
export const JOB_TRIGGERS = ['cron', 'manual'] as const;

/**
 * What the audit log records: every admin and super-admin write and every security event, as
 * `<target type>.<verb>`. A closed list (a database enum): a new kind of entry is a migration.
 */
export const AUDIT_ACTIONS = [
  'listing.create',
  'listing.update',
  'listing.delete',
  'listing.status',
  'photo.upload',
  'photo.reorder',
  'photo.update',
  'photo.delete',
  'inquiry.update',
  'user.create',
  'user.update',
  'user.role_change',
  'user.unlock',
  'user.sessions_end',
  'session.end',
  'job.run',
  'auth.lockout',
  'auth.refresh_reuse',
  'auth.password_change',
  'auth.password_reset',
] as const;
/** What an audit entry is about. */
export const AUDIT_TARGET_TYPES = ['listing', 'photo', 'inquiry', 'user', 'job'] as const;

export type Role = (typeof USER_ROLES)[number];
export type PropertyType = (typeof PROPERTY_TYPES)[number];
export type ListingType = (typeof LISTING_TYPES)[number];
export type ListingStatus = (typeof LISTING_STATUSES)[number];
export type InquiryStatus = (typeof INQUIRY_STATUSES)[number];
export type InquiryEventType = (typeof INQUIRY_EVENT_TYPES)[number];
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobTrigger = (typeof JOB_TRIGGERS)[number];
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];
export type ListingAlertKind = (typeof LISTING_ALERT_KINDS)[number];
export type AlertFrequency = (typeof ALERT_FREQUENCIES)[number];
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

export const isRole = (value: unknown): value is Role => (USER_ROLES as readonly unknown[]).includes(value);
