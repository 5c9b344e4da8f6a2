/** What the application needs to know about a failed database call, whatever wrapped it. */
export interface DatabaseFailure {
  kind: 'unavailable' | 'unique' | 'foreign_key' | 'check' | 'invalid_input' | 'conflict_retry' | 'other';
  code?: string;
  constraint?: string;
}

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  cause?: unknown;
  sourceError?: unknown;
  name?: unknown;
}

const UNAVAILABLE_MESSAGE =
  /Error connecting to database|Server error \(HTTP status 5\d\d\)|fetch failed|Network connection lost|ECONNREFUSED|ETIMEDOUT|ECONNRESET|timed? ?out|TimeoutError|The operation was aborted|Connection terminated|WebSocket/i;

function* causes(error: unknown): Generator<PgLikeError> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as PgLikeError;
    yield e;
    current = e.cause ?? e.sourceError;
  }
}

/** Classifies driver and Drizzle errors by SQLSTATE; `null` when it is not a database error. */
export function classifyDatabaseError(error: unknown): DatabaseFailure | null {
  let sawDriver = false;
  for (const e of causes(error)) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
    if (code && /^[0-9A-Z]{5}$/.test(code)) {
      if (code === '23505') return { kind: 'unique', code, constraint };
      if (code === '23503') return { kind: 'foreign_key', code, constraint };
      if (code === '23514' || code === '23502') return { kind: 'check', code, constraint };
      if (code.startsWith('22')) return { kind: 'invalid_input', code };
      if (code === '40001' || code === '40P01' || code === '55P03') return { kind: 'conflict_retry', code };
      // 08: connection exception, 53: insufficient resources, 57P0x: server shutting down.
      if (code.startsWith('08') || code.startsWith('53') || /^57P0[1-3]$/.test(code) || code === '57014') {
        return { kind: 'unavailable', code };
      }
      return { kind: 'other', code };
    }
    const name = typeof e.name === 'string' ? e.name : '';
    if (name === 'NeonDbError' || name === 'DrizzleQueryError') sawDriver = true;
    const message = typeof e.message === 'string' ? e.message : '';
    if ((sawDriver || name === 'TimeoutError' || name === 'AbortError') && UNAVAILABLE_MESSAGE.test(message)) {
      return { kind: 'unavailable' };
    }
    if (name === 'TimeoutError') return { kind: 'unavailable' };
  }
  return sawDriver ? { kind: 'other' } : null;
}
