import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import { drizzle as drizzleOverWebSocket } from 'drizzle-orm/neon-serverless';
import type { Config } from '../env';

type DbConfig = Pick<
  Config,
  | 'DATABASE_URL'
  | 'DATABASE_READ_URL'
  | 'NEON_HTTP_ENDPOINT'
  | 'NEON_WS_PROXY'
  | 'DB_QUERY_TIMEOUT_MS'
  | 'DB_CONNECTION_TIMEOUT'
  | 'DB_IDLE_TIMEOUT'
  | 'DB_POOL_MAX'
>;

/** The time one request has spent waiting on database queries, and how many (for Server-Timing). */
export interface QueryUsage {
  ms: number;
  queries: number;
}

// The fetch function is module-wide, so the usage travels with each client's own fetchOptions
// (the driver spreads them into every fetch it makes): concurrent requests never share one.
const QUERY_USAGE = Symbol('queryUsage');

/**
 * The driver keeps its endpoints in a module-wide `neonConfig`. Every request of a Worker
 * sees the same env, so setting it from env on each use is idempotent; nothing per-request
 * lives there.
 */
function configureDriver(config: DbConfig): void {
  const httpEndpoint = config.NEON_HTTP_ENDPOINT;
  if (httpEndpoint) neonConfig.fetchEndpoint = () => httpEndpoint;
  const wsProxy = config.NEON_WS_PROXY;
  if (wsProxy) {
    neonConfig.wsProxy = (host, port) => `${wsProxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
  const timeoutMs = config.DB_QUERY_TIMEOUT_MS;
  // A hung database must not hang the request: every HTTP query gets a deadline.
  neonConfig.fetchFunction = async (input: RequestInfo | URL, init?: RequestInit & { [QUERY_USAGE]?: QueryUsage }) => {
    const { [QUERY_USAGE]: usage, ...rest } = init ?? {};
    const started = performance.now();
    try {
      return await fetch(input, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    } finally {
      if (usage) {
        usage.ms += performance.now() - started;
        usage.queries += 1;
      }
    }
  };
}

/** Drizzle over Neon's HTTP query path: one fetch per query or per batch, nothing to close. */
export function createDb(config: DbConfig, options: { replica?: boolean; usage?: QueryUsage } = {}) {
  configureDriver(config);
  const url = options.replica && config.DATABASE_READ_URL ? config.DATABASE_READ_URL : config.DATABASE_URL;
  const fetchOptions = options.usage ? ({ [QUERY_USAGE]: options.usage } as RequestInit) : undefined;
  // No `schema`: the relational query API is not used, and building its metadata cost ~0.4 ms
  // of CPU on every request (the client is per request, for its Server-Timing usage).
  return drizzle({ client: neon(url, fetchOptions ? { fetchOptions } : {}) });
}

export type Database = ReturnType<typeof createDb>;

/**
 * Drizzle over a WebSocket Pool, for the few jobs HTTP cannot serve (an interactive
 * transaction, a session-level advisory lock, VACUUM). Created per use; the caller must
 * `end()` it, typically through `ctx.waitUntil`.
 */
export function createPoolDb(config: DbConfig) {
  configureDriver(config);
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DB_POOL_MAX,
    connectionTimeoutMillis: config.DB_CONNECTION_TIMEOUT,
    idleTimeoutMillis: config.DB_IDLE_TIMEOUT,
  });
  const db = drizzleOverWebSocket({ client: pool });
  return { db, pool, end: () => pool.end() };
}

export type PoolDatabase = ReturnType<typeof createPoolDb>['db'];
