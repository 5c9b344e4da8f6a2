/** Parses the CORS allow-list variable: comma-separated origins, `*` never implied. */
export function parseAllowedOrigins(value: string): Set<string> {
  return new Set(
    value
      .split(',')
      .map((o) => o.trim().replace(/\/+$/, ''))
      .filter((o) => /^https?:\/\/[^/\s]+$/.test(o)),
  );
}
