import { z } from 'zod';
import type { Database } from './db/client';
import type { AuthContext } from './middleware/auth';

/** Bindings, variables and secrets the Worker receives (wrangler.toml, .dev.vars, `wrangler secret`). */
export interface Bindings {
  DATABASE_URL: string;
  /** Optional read replica for public reads. */
  DATABASE_READ_URL?: string;
  /** Local development and tests only: where the local Neon stand-in listens. */
  NEON_HTTP_ENDPOINT?: string;
  NEON_WS_PROXY?: string;
  DB_QUERY_TIMEOUT_MS?: string;
  DB_CONNECTION_TIMEOUT?: string;
  DB_IDLE_TIMEOUT?: string;
  DB_POOL_MAX?: string;
  JWT_SECRET: string;
  JWT_KEY_ID?: string;
  JWT_PREVIOUS_SECRET?: string;
  JWT_PREVIOUS_KEY_ID?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  CORS_ORIGINS?: string;
  ENVIRONMENT?: string;
  LOG_LEVEL?: string;
  MAX_JSON_BODY_BYTES?: string;
  /** Auth settings (see docs/auth.md); all optional with safe defaults. */
  BCRYPT_COST?: string;
  LOGIN_MAX_FAILURES?: string;
  LOCKOUT_MINUTES?: string;
  SESSION_TTL_DAYS?: string;
  REFRESH_GRACE_SECONDS?: string;
  /** Listings and photos: upload size limit, and an optional key for pagination cursors. */
  IMAGE_MAX_BYTES?: string;
  CURSOR_SECRET?: string;
  /** Admin dashboard: how old its stored figures may be when served (0: always count afresh). */
  DASHBOARD_MAX_AGE_SECONDS?: string;
  /** Listing detail: how long views are gathered before one insert; seconds an isolate keeps a detail in memory. */
  VIEW_FLUSH_MS?: string;
  DETAIL_MEMORY_CACHE_SECONDS?: string;
  IMAGES: R2Bucket;
  AUTH_RATE_LIMITER?: RateLimit;
  INQUIRY_RATE_LIMITER?: RateLimit;
  EVENTS_RATE_LIMITER?: RateLimit;
  /** Email: `http` (Resend-compatible API) or `log` (npm run dev). */
  EMAIL_TRANSPORT?: string;
  EMAIL_API_URL?: string;
  EMAIL_API_KEY?: string;
  EMAIL_FROM?: string;
  [key: string]: unknown;
}

export interface Variables {
  requestId: string;
  db: Database;
  auth?: AuthContext;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

const intString = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const configSchema = z.object({
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
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  MAX_JSON_BODY_BYTES: intString(1_048_576, 1024, 10_485_760),
  BCRYPT_COST: intString(10, 4, 15),
  LOGIN_MAX_FAILURES: intString(5, 1, 100),
  LOCKOUT_MINUTES: intString(15, 1, 1440),
  SESSION_TTL_DAYS: intString(30, 1, 365),
  REFRESH_GRACE_SECONDS: intString(10, 0, 300),
  IMAGE_MAX_BYTES: intString(10_485_760, 1024, 104_857_600),
  CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DASHBOARD_MAX_AGE_SECONDS: intString(60, 0, 3600),
  // Well inside the 30 s a Worker may keep working after its response.
  VIEW_FLUSH_MS: intString(1000, 0, 20_000),
  // At most the edge cache's own max-age (60 s); 0 turns the memory cache off.
  DETAIL_MEMORY_CACHE_SECONDS: intString(5, 0, 60),
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
});

export type Config = z.infer<typeof configSchema>;

const cache = new WeakMap<object, Config>();

/**
 * Validated configuration. Secrets stay in `env` (never module scope); the parsed view is
 * memoised per env object because workerd hands the same object to every request.
 */
export function getConfig(env: Bindings): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid Worker configuration: ${fields}`);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
