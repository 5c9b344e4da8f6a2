import { bytesToBase64Url, sha256Hex } from '../../lib/encoding';

/** Refresh tokens: 256 random bits; only their SHA-256 (hex) is ever stored. */

const PREFIX = 'rt_';
export const REFRESH_TOKEN_FORMAT = /^rt_[A-Za-z0-9_-]{43}$/;
/** `rt_` and the 43 base64url characters of 32 bytes. */
export const REFRESH_TOKEN_LENGTH = 46;

export function hashRefreshToken(token: string): Promise<string> {
  return sha256Hex(token);
}

export async function newRefreshToken(): Promise<{ token: string; hash: string }> {
  const token = PREFIX + bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { token, hash: await hashRefreshToken(token) };
}

/** Cheap shape check before touching the database; a token we never issue cannot match. */
export function looksLikeRefreshToken(token: string): boolean {
  return REFRESH_TOKEN_FORMAT.test(token);
}
