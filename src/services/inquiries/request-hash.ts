import { sha256Hex } from '../../lib/encoding';

/** SHA-256 (hex) of a canonical JSON of the normalised body: key order and whitespace do not matter. */
export async function requestHash(fields: Record<string, string | null>): Promise<string> {
  const canonical = JSON.stringify(
    Object.keys(fields)
      .sort()
      .map((key) => [key, fields[key] ?? null]),
  );
  return sha256Hex(canonical);
}

/** How long an Idempotency-Key replays its inquiry; after that the same key and body make a new one. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/**
 * What is stored for an Idempotency-Key: SHA-256 of the key with the request's hash. A key is
 * then only "taken" for its own body, so a third party who guesses or sees a visitor's key
 * cannot make that visitor's request fail; and the key as sent is never stored.
 */
export function scopedIdempotencyKey(key: string, bodyHash: string): Promise<string> {
  return sha256Hex(`${key}\n${bodyHash}`);
}
