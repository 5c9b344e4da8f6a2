/** Refresh tokens: 256 random bits; only their SHA-256 (hex) is ever stored. */

const PREFIX = 'rt_';
const FORMAT = /^rt_[A-Za-z0-9_-]{43}$/;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export async function hashRefreshToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function newRefreshToken(): Promise<{ token: string; hash: string }> {
  const token = PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { token, hash: await hashRefreshToken(token) };
}

/** Cheap shape check before touching the database; a token we never issue cannot match. */
export function looksLikeRefreshToken(token: string): boolean {
  return FORMAT.test(token);
}
