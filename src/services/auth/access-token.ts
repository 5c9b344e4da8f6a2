import { decode, sign, verify } from 'hono/jwt';
import { isRole, type Role } from '../../db/enums';
import type { Config } from '../../env';
import { textToBase64Url } from '../../lib/encoding';
import { isUuid } from '../../lib/uuid';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  iat: number;
  exp: number;
}

type TokenConfig = Pick<
  Config,
  'JWT_SECRET' | 'JWT_KEY_ID' | 'JWT_PREVIOUS_SECRET' | 'JWT_PREVIOUS_KEY_ID' | 'JWT_ISSUER' | 'JWT_AUDIENCE'
>;

const ALG = 'HS256' as const;

function jwk(secret: string, kid: string) {
  return { kty: 'oct', k: textToBase64Url(secret), alg: ALG, kid, key_ops: ['sign', 'verify'] };
}

// Importing the HMAC key cost as much as verifying with it, on every request; each key is now
// imported once per isolate. Keyed by the config object (getConfig memoises it per env), so a
// new secret means a new config and a fresh import, and no secret is kept in module scope.
const importedKeys = new WeakMap<TokenConfig, Map<string, Promise<CryptoKey>>>();

function importedKey(config: TokenConfig, secret: string, kid: string): Promise<CryptoKey> {
  let keys = importedKeys.get(config);
  if (!keys) {
    keys = new Map();
    importedKeys.set(config, keys);
  }
  let key = keys.get(kid);
  if (!key) {
    key = crypto.subtle.importKey('jwk', jwk(secret, kid), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    keys.set(kid, key);
  }
  return key;
}

/** Verification keys by key id: the current one and, during a rotation, the previous one. */
function verificationKey(config: TokenConfig, kid: string | undefined): Promise<CryptoKey> | null {
  if (kid === config.JWT_KEY_ID) return importedKey(config, config.JWT_SECRET, config.JWT_KEY_ID);
  if (kid && kid === config.JWT_PREVIOUS_KEY_ID && config.JWT_PREVIOUS_SECRET) {
    return importedKey(config, config.JWT_PREVIOUS_SECRET, kid);
  }
  return null;
}

export async function signAccessToken(
  config: TokenConfig,
  subject: { userId: string; sessionId: string; role: Role },
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  return sign(
    {
      sub: subject.userId,
      sid: subject.sessionId,
      role: subject.role,
      // Unique per token, so two tokens issued in the same second never coincide.
      jti: crypto.randomUUID(),
      iss: config.JWT_ISSUER,
      aud: config.JWT_AUDIENCE,
      iat: nowSeconds,
      exp: nowSeconds + ACCESS_TOKEN_TTL_SECONDS,
    },
    jwk(config.JWT_SECRET, config.JWT_KEY_ID),
  );
}

/** Returns the claims of a valid access token, or null for anything else. Never throws. */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<AccessClaims | null> {
  try {
    const { header } = decode(token);
    // The algorithm is pinned before looking at the key: `none` and RS/HS swaps never get that far.
    if (header.alg !== ALG) return null;
    const key = verificationKey(config, header.kid);
    if (!key) return null;
    const payload = await verify(token, await key, {
      alg: ALG,
      iss: config.JWT_ISSUER,
      aud: config.JWT_AUDIENCE,
    });
    const { sub, sid, role, iat, exp } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || typeof iat !== 'number') return null;
    if (exp - iat > ACCESS_TOKEN_TTL_SECONDS) return null;
    if (typeof sub !== 'string' || !isUuid(sub)) return null;
    if (typeof sid !== 'string' || !isUuid(sid)) return null;
    if (!isRole(role)) return null;
    return { sub, sid, role, iat, exp };
  } catch {
    return null;
  }
}
