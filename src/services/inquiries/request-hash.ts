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
