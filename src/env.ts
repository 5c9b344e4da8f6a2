import { z } from 'zod';
import type { Database, QueryUsage } from './db/client';
import type { PublicReads } from './db/public-reads';
import { LOG_LEVELS, type Logger, type LogLevel } from './lib/logger';

// Vars arrive as strings (wrangler.toml [vars], .dev.vars, secrets).
const intString = (fallback: number, min: number, max: number) =>
  z.coerce.number<string>().int().min(min).max(max).default(fallback);

const days = (fallback: number) => intString(fallback, 1, 3650);

/** Every var and secret of the Worker, with its default: the one definition of the configuration. */
export const configSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//)
    .optional(),
  NEON_HTTP_ENDPOINT: z.url().optional(),
  NEON_WS_PROXY: z.string().min(1).optional(),
  DB_QUERY_TIMEOUT_MS: intString(10_000, 100, 300_000),
  DB_CONNECTION_TIMEOUT: intString(30_000, 100, 300_000),
  DB_IDLE_TIMEOUT: intString(10_000, 0, 3_600_000),
  DB_POOL_MAX: intString(10, 1, 100),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  JWT_KEY_ID: z.string().min(1).default('k1'),
  JWT_PREVIOUS_SECRET: z.string().min(32).optional(),
  JWT_PREVIOUS_KEY_ID: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default('gentle-space-realty'),
  JWT_AUDIENCE: z.string().min(1).default('gentle-space-realty-api'),
  CORS_ORIGINS: z.string().default(''),
  ENVIRONMENT: z.enum(['development', 'test', 'production']).default('production'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  MAX_JSON_BODY_BYTES: intString(1_048_576, 1024, 10_485_760),
  BCRYPT_COST: intString(10, 4, 15),
  LOGIN_MAX_FAILURES: intString(5, 1, 100),
  LOCKOUT_MINUTES: intString(15, 1, 1440),
  // NIST SP 800-63B: at most 100 failed attempts on one account without a stronger check.
  LOGIN_ACCOUNT_MAX_FAILURES: intString(100, 1, 100),
  LOGIN_KNOWN_CLIENT_DAYS: intString(30, 1, 365),
  SESSION_TTL_DAYS: intString(30, 1, 365),
  REFRESH_GRACE_SECONDS: intString(10, 0, 300),
  IMAGE_MAX_BYTES: intString(10_485_760, 1024, 104_857_600),
  CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DASHBOARD_MAX_AGE_SECONDS: intString(60, 0, 3600),
  // Well inside the 30 s a Worker may keep working after its response.
  VIEW_FLUSH_MS: intString(1000, 0, 20_000),
  // At most the edge cache's own max-age (60 s); 0 turns the memory cache off.
  DETAIL_MEMORY_CACHE_SECONDS: intString(5, 0, 60),
  // Bounds on what one anonymous inquiry makes us send: acknowledgements per mailbox and per
  // sending network (its stored /24 or /48) in 24 hours, and staff told of a general inquiry.
  INQUIRY_ACK_MAX_PER_RECIPIENT: intString(3, 0, 100),
  INQUIRY_ACK_MAX_PER_NETWORK: intString(20, 0, 10_000),
  INQUIRY_MAX_ADMIN_RECIPIENTS: intString(5, 1, 50),
  INQUIRY_INBOX: z.email().optional(),
  // Where links in emails point: the visitors' website (its /reset-password, /verify-email,
  // /properties/:slug, /unsubscribe pages take the `token` or slug they carry) and this API's own
  // public origin (the one-click List-Unsubscribe URL mail clients POST to).
  APP_URL: z.url().default('http://localhost:3000'),
  PASSWORD_RESET_TOKEN_MINUTES: intString(30, 5, 1440),
  // Reset emails one address gets in an hour; past it a request still answers 202 and sends nothing.
  PASSWORD_RESET_MAX_PER_HOUR: intString(3, 0, 100),
  // Verification emails a signed-in user may ask for: one per interval, so many a day.
  EMAIL_VERIFICATION_MIN_INTERVAL_SECONDS: intString(60, 0, 86_400),
  EMAIL_VERIFICATION_MAX_PER_DAY: intString(5, 1, 100),
  API_URL: z.url().default('http://localhost:8787'),
  EMAIL_TRANSPORT: z.enum(['http', 'log']).default('http'),
  EMAIL_API_URL: z.url().default('https://api.resend.com/emails'),
  EMAIL_API_KEY: z.string().min(1).optional(),
  EMAIL_FROM: z.string().min(3).default('Gentle Space Realty <notifications@gentlespacerealty.com>'),
  EMAIL_TIMEOUT_MS: intString(10_000, 100, 60_000),
  NOTIFICATION_MAX_ATTEMPTS: intString(8, 1, 50),
  NOTIFICATION_LEASE_SECONDS: intString(120, 5, 3600),
  NOTIFICATION_BATCH_SIZE: intString(25, 1, 500),
  NOTIFICATION_BACKOFF_BASE_SECONDS: intString(30, 1, 3600),
  NOTIFICATION_BACKOFF_MAX_SECONDS: intString(3600, 1, 86_400),
  RETENTION_ANALYTICS_DAYS: days(90),
  RETENTION_TOKENS_DAYS: days(7),
  RETENTION_NOTIFICATIONS_DAYS: days(30),
  // At least 30: purge_audit_log() refuses to keep less (drizzle/*_audit-log-append-only.sql).
  RETENTION_AUDIT_DAYS: intString(400, 30, 3650),
  // At least 8: a weekly digest reads the matches of the week before it, which must still be there.
  RETENTION_ALERTS_DAYS: intString(30, 8, 365),
  RETENTION_BATCH_SIZE: intString(5_000, 1, 50_000),
  RETENTION_MAX_BATCHES: intString(200, 1, 10_000),
  // 0 is for tests only: it would let the sweep remove a photo whose upload is still in flight.
  ORPHAN_IMAGE_MIN_AGE_MINUTES: intString(60, 0, 100_000),
  ORPHAN_IMAGE_PREFIX: z.string().min(1).default('properties/'),
  REINDEX_MAX_INDEXES: intString(8, 1, 100),
  // The owner (or a role with pg_maintain, PostgreSQL 17+): VACUUM and REINDEX need more than the app role has.
  DATABASE_MAINTENANCE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  ORPHAN_SWEEP_MAX_SCANNED: intString(50_000, 1, 10_000_000),
  TABLE_SIZE_SAMPLE_DAYS: days(90),
  TABLE_SIZE_THRESHOLD_BYTES: intString(10 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
  TABLE_GROWTH_ALERT_BYTES_PER_DAY: intString(100 * 1024 ** 2, 1, Number.MAX_SAFE_INTEGER),
  ALERT_CHECK_MINUTES: intString(5, 1, 60),
  ALERT_REMIND_HOURS: intString(24, 1, 720),
  ALERT_DEAD_NOTIFICATION_HOURS: intString(24, 1, 720),
  ALERT_DASHBOARD_STALE_MINUTES: intString(10, 1, 1440),
  // The daily backup's period plus slack for a slow run.
  ALERT_BACKUP_MAX_AGE_HOURS: intString(26, 1, 8760),
});

/** The Worker's bindings: its vars and secrets as wrangler hands them over, and its binding objects. */
export type Bindings = z.input<typeof configSchema> & {
  IMAGES: R2Bucket;
  /** Cloudflare Images: scales and re-encodes photos (`[images]` in wrangler.toml). */
  IMAGE_TRANSFORMS: ImagesBinding;
  AUTH_RATE_LIMITER?: RateLimit;
  INQUIRY_RATE_LIMITER?: RateLimit;
  EVENTS_RATE_LIMITER?: RateLimit;
};

export interface Variables {
  requestId: string;
  logger: Logger;
  db: Database;
  /** The anonymous public reads: the read replica when DATABASE_READ_URL is set, else `db`. */
  publicReads: PublicReads;
  /** Database time of the request so far, for Server-Timing (absent until the database middleware ran). */
  dbUsage?: QueryUsage;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

// Settings only the upkeep jobs read: a wrong one fails those jobs (recorded in job_runs), not
// every request.
const MAINTENANCE = {
  RETENTION_ANALYTICS_DAYS: true,
  RETENTION_TOKENS_DAYS: true,
  RETENTION_NOTIFICATIONS_DAYS: true,
  RETENTION_AUDIT_DAYS: true,
  RETENTION_ALERTS_DAYS: true,
  RETENTION_BATCH_SIZE: true,
  RETENTION_MAX_BATCHES: true,
  ORPHAN_IMAGE_MIN_AGE_MINUTES: true,
  ORPHAN_IMAGE_PREFIX: true,
  REINDEX_MAX_INDEXES: true,
  DATABASE_MAINTENANCE_URL: true,
  ORPHAN_SWEEP_MAX_SCANNED: true,
  TABLE_SIZE_SAMPLE_DAYS: true,
  ALERT_CHECK_MINUTES: true,
  ALERT_REMIND_HOURS: true,
  ALERT_DEAD_NOTIFICATION_HOURS: true,
  ALERT_DASHBOARD_STALE_MINUTES: true,
  ALERT_BACKUP_MAX_AGE_HOURS: true,
} as const;

const requestSchema = configSchema.omit(MAINTENANCE);
const maintenanceSchema = configSchema.pick(MAINTENANCE);

export type Config = z.infer<typeof requestSchema>;
export type MaintenanceSettings = z.infer<typeof maintenanceSchema>;

function parse<T>(schema: z.ZodType<T>, env: Bindings, what: string): T {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid ${what}: ${fields}`);
  }
  return parsed.data;
}

const cache = new WeakMap<object, Config>();

/**
 * Validated configuration. Secrets stay in `env` (never module scope); the parsed view is
 * memoised per env object because workerd hands the same object to every request.
 */
export function getConfig(env: Bindings): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const config = parse(requestSchema, env, 'Worker configuration');
  cache.set(env, config);
  return config;
}

/** Periods and limits of the upkeep jobs. */
export function maintenanceSettings(env: Bindings): MaintenanceSettings {
  return parse(maintenanceSchema, env, 'maintenance configuration');
}

/** LOG_LEVEL, or its default when it is invalid: the error that says so must still be logged. */
export function configuredLogLevel(env: Partial<Bindings> | undefined): LogLevel {
  return configSchema.shape.LOG_LEVEL.catch('info').parse(env?.LOG_LEVEL);
}
