/** SHA-256 (hex) of a canonical JSON of the normalised body: key order and whitespace do not matter. */
export async function requestHash(fields: Record<string, string | null>): Promise<string> {
  const canonical = JSON.stringify(
    Object.keys(fields)
      .sort()
      .map((key) => [key, fields[key] ?? null]),
  );
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
