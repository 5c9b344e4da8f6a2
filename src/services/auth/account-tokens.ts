import { type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { AccountTokenPurpose } from '../../db/enums';
import { bytesToBase64Url, sha256Hex } from '../../lib/encoding';

/**
 * Single-use tokens sent by email (password reset, email verification): 256 random bits as
 * base64url. Only their SHA-256 (hex) is stored, in account_tokens, with the address the email
 * went to.
 */

export const ACCOUNT_TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;
/** The 43 base64url characters of 32 bytes. */
export const ACCOUNT_TOKEN_LENGTH = 43;

export function hashAccountToken(token: string): Promise<string> {
  return sha256Hex(token);
}

export interface NewAccountToken {
  id: string;
  token: string;
  hash: string;
}

export async function newAccountToken(): Promise<NewAccountToken> {
  const token = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { id: uuidv7(), token, hash: await hashAccountToken(token) };
}

/** Cheap shape check before touching the database; a token we never issue cannot match. */
export function looksLikeAccountToken(token: string): boolean {
  return ACCOUNT_TOKEN_FORMAT.test(token);
}

/**
 * The CTE body that consumes a token: ONE conditional update, so of two requests presenting the
 * same token exactly one gets its row back (the second waits for the first's row lock, then
 * finds `used_at` set). Only a live token of this purpose, sent to the address the (active)
 * account still has, matches. Returns `id, user_id`.
 */
export function consumeAccountToken(hash: string, purpose: AccountTokenPurpose, now: SQL): SQL {
  return sql`update account_tokens t set used_at = ${now}
    where t.token_hash = ${hash} and t.purpose = ${purpose}::account_token_purpose
      and t.used_at is null and t.expires_at > ${now}
      and exists (select 1 from users u where u.id = t.user_id and u.email = t.email and u.is_active)
    returning t.id, t.user_id`;
}

/**
 * Taken first in a batch (one transaction): serialises the requests that issue tokens to one
 * account, so the budget counted by the next statement (which starts after the lock, with a
 * fresh snapshot) includes every token issued before it. Keys that share a hash only wait on
 * each other.
 */
export function accountTokenLock(key: string): SQL {
  return sql`select pg_advisory_xact_lock(7304212, hashtext(${key}))`;
}
