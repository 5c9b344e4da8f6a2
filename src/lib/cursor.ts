import { base64UrlToBytes, bytesToBase64Url } from './encoding';
import { ApiError } from './errors';

/**
 * The one kind of pagination cursor of the API, for every list. Opaque and tamper-evident: `base64url(JSON payload).base64url(HMAC-SHA256)`.
 * The MAC also covers a `scope` (which list, which filters), so a cursor taken from another
 * list or another filter set is refused like a forged one.
 */

const encoder = new TextEncoder();
const MAX_TOKEN_LENGTH = 2048;
// Domain separation: the cursor key is derived from the secret, never the secret itself, so
// a cursor MAC can never double as a JWT signature even when both come from JWT_SECRET.
const KEY_CONTEXT = 'gentle-space-realty/cursor/v1';

const keyCache = new Map<string, Promise<CryptoKey>>();

async function hmacKey(raw: Uint8Array | string): Promise<CryptoKey> {
  const bytes = typeof raw === 'string' ? encoder.encode(raw) : raw;
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

function cursorKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = (async () => {
      const master = await hmacKey(secret);
      const derived = new Uint8Array(await crypto.subtle.sign('HMAC', master, encoder.encode(KEY_CONTEXT)));
      return hmacKey(derived);
    })();
    keyCache.set(secret, key);
  }
  return key;
}

function signedBytes(scope: string, body: string): Uint8Array {
  return encoder.encode(`${scope}\n${body}`);
}

export function invalidCursor(): ApiError {
  return new ApiError({
    code: 'INVALID_CURSOR',
    detail: 'The cursor is invalid, was altered, or belongs to another query.',
    errors: [{ path: 'cursor', message: 'invalid cursor' }],
  });
}

export interface CursorOptions {
  /** What the cursor is bound to (list name, sort, filters); decoding with another scope fails. */
  scope?: string;
}

export async function encodeCursor(secret: string, payload: unknown, options: CursorOptions = {}): Promise<string> {
  const body = bytesToBase64Url(encoder.encode(JSON.stringify(payload)));
  const mac = await crypto.subtle.sign('HMAC', await cursorKey(secret), signedBytes(options.scope ?? '', body));
  return `${body}.${bytesToBase64Url(new Uint8Array(mac))}`;
}

/** The payload of a cursor this server issued for this scope; a 422 ApiError otherwise. */
export async function decodeCursor<T = unknown>(
  secret: string,
  token: string,
  options: CursorOptions = {},
): Promise<T> {
  if (token.length > MAX_TOKEN_LENGTH) throw invalidCursor();
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) throw invalidCursor();
  const macBytes = base64UrlToBytes(mac);
  if (macBytes?.length !== 32) throw invalidCursor();
  // crypto.subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify(
    'HMAC',
    await cursorKey(secret),
    macBytes,
    signedBytes(options.scope ?? '', body),
  );
  if (!valid) throw invalidCursor();
  const json = base64UrlToBytes(body);
  if (!json) throw invalidCursor();
  try {
    return JSON.parse(new TextDecoder().decode(json)) as T;
  } catch {
    throw invalidCursor();
  }
}

/** CURSOR_SECRET when set, else JWT_SECRET (the key is derived, see KEY_CONTEXT). */
export function cursorSecret(config: { CURSOR_SECRET?: string | undefined; JWT_SECRET: string }): string {
  return config.CURSOR_SECRET ?? config.JWT_SECRET;
}
