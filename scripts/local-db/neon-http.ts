import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';

export interface SqlHandlerOptions {
  /** Connections per upstream pool; default env DB_POOL_MAX, else 10. */
  poolMax?: number;
  /** Default env DB_IDLE_TIMEOUT, else 10000. */
  idleTimeoutMillis?: number;
  /** Default env DB_CONNECTION_TIMEOUT, else 30000. */
  connectionTimeoutMillis?: number;
  /** Largest accepted request body; Neon's own limit is 10 MiB. */
  maxBodyBytes?: number;
  log?: (event: Record<string, unknown>) => void;
  /** Opt-in (the benchmark): told when each /sql request arrives and once it is answered. */
  observe?: SqlObserverHooks;
}

export interface SqlObserverHooks {
  /** May return a promise: the query waits for it (the benchmark delays queries to tell them apart). */
  started?: () => Promise<void> | void;
  /** Always follows `started`, also for a request refused before it ran (then `queries` is empty). */
  finished?: (observation: SqlObservation) => void;
}

/** One `POST /sql` as the benchmark sees it: which statements, and when (performance.now()). */
export interface SqlObservation {
  queries: SqlQuery[];
  /** For a batch: the BEGIN it ran in (isolation, read-only), to replay it the same way. */
  begin: string | null;
  status: number;
  startedAt: number;
  endedAt: number;
}

export interface SqlHandler {
  /** Serves `POST /sql` and `GET /health`; anything else is a 404. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  poolCount(): number;
  close(): Promise<void>;
}

export interface SqlQuery {
  query: string;
  params: unknown[];
}

interface BatchOptions {
  isolationLevel?: string;
  readOnly?: boolean;
  deferrable?: boolean;
}

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// Marks a failure to obtain a connection, as opposed to a failing query.
class ConnectError extends Error {
  constructor(readonly reason: unknown) {
    // Node's AggregateError (every address of "localhost" refused) has an empty message.
    const { message, code } = (reason ?? {}) as NodeJS.ErrnoException;
    super(message || code || String(reason));
  }
}

// The fields NeonDbError copies from a 400 body (`hi` in the driver).
const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

const ISOLATION_LEVELS: Record<string, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};

// SQLSTATEs meaning "the server is not there for you" rather than "your SQL
// is wrong". 08P01 (protocol violation) is deliberately absent: PostgreSQL
// uses it for a wrong parameter count, which is the caller's error.
const UNAVAILABLE_SQLSTATES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '57P01',
  '57P02',
  '57P03',
  '57P04',
  '57P05',
]);

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

const CONNECTION_FAILURE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|not queryable|connection timeout|ssl/i;

// Values must reach the driver exactly as PostgreSQL printed them: the driver
// parses them itself, like it does with Neon's raw text output.
const rawText: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as pg.CustomTypesConfig['getTypeParser'],
};

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function isPgError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError;
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof ConnectError) return !isPgError(error.reason) || isUnavailable(error.reason);
  if (isPgError(error)) return UNAVAILABLE_SQLSTATES.has(error.code ?? '');
  if (!(error instanceof Error)) return false;
  const { code } = error as NodeJS.ErrnoException;
  return (code !== undefined && NETWORK_ERROR_CODES.has(code)) || CONNECTION_FAILURE_MESSAGE.test(error.message);
}

function errorBody(error: pg.DatabaseError): Json {
  const body: Json = { message: error.message };
  for (const field of ERROR_FIELDS) {
    if (error[field] !== undefined) body[field] = error[field];
  }
  return body;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    // Keep draining so the client sees the 413 instead of a reset socket.
    if (size > limit) tooLarge = true;
    else chunks.push(buf);
  }
  if (tooLarge) throw new HttpError(413, `request body exceeds ${limit} bytes`);
  return Buffer.concat(chunks).toString('utf8');
}

function parseQuery(value: unknown, where: string): SqlQuery {
  if (typeof value !== 'object' || value === null) throw new HttpError(400, `${where} must be an object`);
  const { query, params } = value as { query?: unknown; params?: unknown };
  if (typeof query !== 'string') throw new HttpError(400, `${where}.query must be a string`);
  if (params !== undefined && params !== null && !Array.isArray(params)) {
    throw new HttpError(400, `${where}.params must be an array`);
  }
  return { query, params: (params as unknown[] | null | undefined) ?? [] };
}

function parseRequest(text: string): SqlQuery | SqlQuery[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (typeof body === 'object' && body !== null && 'queries' in body) {
    const { queries } = body as { queries: unknown };
    if (!Array.isArray(queries)) throw new HttpError(400, 'queries must be an array');
    return queries.map((q, i) => parseQuery(q, `queries[${i}]`));
  }
  return parseQuery(body, 'body');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function booleanHeader(req: IncomingMessage, name: string): boolean | undefined {
  const value = header(req, name);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new HttpError(400, `${name} must be true or false`);
}

function batchOptions(req: IncomingMessage): BatchOptions {
  const level = header(req, 'neon-batch-isolation-level');
  if (level !== undefined && !(level in ISOLATION_LEVELS)) {
    throw new HttpError(400, `unknown Neon-Batch-Isolation-Level: ${level}`);
  }
  return {
    isolationLevel: level,
    readOnly: booleanHeader(req, 'neon-batch-read-only'),
    deferrable: booleanHeader(req, 'neon-batch-deferrable'),
  };
}

function beginStatement({ isolationLevel, readOnly, deferrable }: BatchOptions): string {
  const modes: string[] = [];
  if (isolationLevel !== undefined) modes.push(`ISOLATION LEVEL ${ISOLATION_LEVELS[isolationLevel]}`);
  if (readOnly !== undefined) modes.push(readOnly ? 'READ ONLY' : 'READ WRITE');
  if (deferrable !== undefined) modes.push(deferrable ? 'DEFERRABLE' : 'NOT DEFERRABLE');
  return modes.length === 0 ? 'BEGIN' : `BEGIN ${modes.join(', ')}`;
}

function toResponse(result: pg.QueryArrayResult<unknown[]>, arrayMode: boolean): Json {
  const fields = result.fields.map((f) => ({
    name: f.name,
    dataTypeID: f.dataTypeID,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: 'text',
  }));
  const rows = arrayMode
    ? result.rows
    : result.rows.map((row) => Object.fromEntries(row.map((v, i) => [fields[i]?.name, v])));
  return { fields, rows, command: result.command ?? null, rowCount: result.rowCount ?? null, rowAsArray: arrayMode };
}

function observe(hooks: SqlObserverHooks, res: ServerResponse) {
  const observation: SqlObservation = { queries: [], begin: null, status: 0, startedAt: performance.now(), endedAt: 0 };
  const gate = hooks.started?.();
  res.once('close', () => {
    observation.status = res.statusCode;
    observation.endedAt = performance.now();
    hooks.finished?.(observation);
  });
  return { observation, gate };
}

export function createSqlHandler(opts: SqlHandlerOptions = {}): SqlHandler {
  const poolMax = opts.poolMax ?? envNumber('DB_POOL_MAX', 10);
  const idleTimeoutMillis = opts.idleTimeoutMillis ?? envNumber('DB_IDLE_TIMEOUT', 10_000);
  const connectionTimeoutMillis = opts.connectionTimeoutMillis ?? envNumber('DB_CONNECTION_TIMEOUT', 30_000);
  const maxBodyBytes = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const log = opts.log ?? (() => {});
  const pools = new Map<string, pg.Pool>();
  const busy = new Set<pg.PoolClient>();
  let closing = false;

  function poolFor(connectionString: string): pg.Pool {
    let pool = pools.get(connectionString);
    if (pool === undefined) {
      pool = new pg.Pool({ connectionString, max: poolMax, idleTimeoutMillis, connectionTimeoutMillis });
      // An unheard 'error' event crashes the process: the pool reports idle
      // clients, each client itself reports a connection lost mid-query.
      pool.on('error', (error) => log({ event: 'pool-error', message: error.message }));
      pool.on('connect', (client) => {
        client.on('error', (error) => log({ event: 'client-error', message: error.message }));
      });
      pools.set(connectionString, pool);
    }
    return pool;
  }

  async function query(client: pg.PoolClient, { query: text, params }: SqlQuery, arrayMode: boolean) {
    // Neon runs every query through the extended protocol, so it rejects
    // several statements in one query; `queryMode` (missing from @types/pg)
    // makes pg do the same even without parameters.
    const config: pg.QueryArrayConfig & { queryMode: 'extended' } = {
      text,
      values: params,
      rowMode: 'array',
      types: rawText,
      queryMode: 'extended',
    };
    return toResponse(await client.query(config), arrayMode);
  }

  async function execute(
    connectionString: string,
    request: SqlQuery | SqlQuery[],
    batch: BatchOptions,
    arrayMode: boolean,
  ): Promise<Json> {
    let client: pg.PoolClient;
    try {
      client = await poolFor(connectionString).connect();
    } catch (error) {
      throw new ConnectError(error);
    }
    busy.add(client);
    let broken = false;
    try {
      if (!Array.isArray(request)) return await query(client, request, arrayMode);
      await client.query(beginStatement(batch));
      try {
        const results: Json[] = [];
        for (const q of request) results.push(await query(client, q, arrayMode));
        await client.query('COMMIT');
        return { results };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
    } catch (error) {
      if (isUnavailable(error)) broken = true;
      throw error;
    } finally {
      busy.delete(client);
      // A client whose connection failed must not go back to the pool.
      client.release(broken);
    }
  }

  async function handleSql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const watch = opts.observe ? observe(opts.observe, res) : null;
    if (watch?.gate) await watch.gate;
    const observed = watch?.observation;
    const connectionString = header(req, 'neon-connection-string');
    const body = await readBody(req, maxBodyBytes);
    if (connectionString === undefined || connectionString === '') {
      throw new HttpError(400, 'missing Neon-Connection-String header');
    }
    try {
      new URL(connectionString);
    } catch {
      throw new HttpError(400, 'Neon-Connection-String is not a valid URL');
    }
    const request = parseRequest(body);
    const batch = batchOptions(req);
    const arrayMode = header(req, 'neon-array-mode') === 'true';
    const started = performance.now();
    if (observed) {
      observed.queries = Array.isArray(request) ? request : [request];
      observed.begin = Array.isArray(request) ? beginStatement(batch) : null;
    }
    try {
      const result = await execute(connectionString, request, batch, arrayMode);
      sendJson(res, 200, result);
      log({ event: 'sql', status: 200, ms: Math.round(performance.now() - started) });
    } catch (error) {
      // An authentication or unknown-database error at connect time is still
      // PostgreSQL's answer, so it goes back as a 400 like any other.
      const pgError = error instanceof ConnectError ? error.reason : error;
      if (isUnavailable(error)) {
        const message = `upstream database unavailable: ${(error as Error).message}`;
        log({ event: 'sql', status: 503, message });
        sendJson(res, 503, { message });
      } else if (isPgError(pgError)) {
        log({ event: 'sql', status: 400, code: pgError.code });
        sendJson(res, 400, errorBody(pgError));
      } else {
        throw error;
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (path === '/health') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
        sendJson(res, 200, { status: 'ok' });
      } else if (path === '/sql') {
        if (req.method !== 'POST') throw new HttpError(405, 'use POST');
        if (closing) throw new HttpError(503, 'local Neon is shutting down');
        await handleSql(req, res);
      } else {
        throw new HttpError(404, `no route for ${path}`);
      }
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(res, error.status, { message: error.message });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        log({ event: 'sql', status: 500, message });
        sendJson(res, 500, { message });
      }
    }
  }

  async function close(): Promise<void> {
    closing = true;
    // Cut in-flight queries so that pool.end(), which waits for every
    // checked-out client, cannot hang on a stalled upstream.
    for (const client of busy) client.connection.stream.destroy();
    const ended = Promise.allSettled([...pools.values()].map((pool) => pool.end()));
    pools.clear();
    let timer: NodeJS.Timeout | undefined;
    const backstop = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2_000);
      timer.unref();
    });
    await Promise.race([ended, backstop]);
    clearTimeout(timer);
  }

  return { handle, poolCount: () => pools.size, close };
}
