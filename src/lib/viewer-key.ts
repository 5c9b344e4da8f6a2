import { toHex } from './encoding';
import { rateLimitKey } from './ip';

const encoder = new TextEncoder();
// Domain separation: derived from the secret, so this MAC can never double as another one.
const KEY_CONTEXT = 'gentle-space-realty/viewer/v1';
const keyCache = new Map<string, Promise<CryptoKey>>();

function viewerMacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = (async () => {
      const importKey = (raw: Uint8Array) =>
        crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      const master = await importKey(encoder.encode(secret));
      return importKey(new Uint8Array(await crypto.subtle.sign('HMAC', master, encoder.encode(KEY_CONTEXT))));
    })();
    keyCache.set(secret, key);
  }
  return key;
}

/**
 * Who counts as one viewer of a listing: the client a rate limit counts (an IPv4 address or an
 * IPv6 /64), as a keyed hash, so that the address itself is never stored. Null without an
 * address (never the case behind Cloudflare): such views are counted as they come.
 */
export async function viewerKey(secret: string, ip: string | null): Promise<string | null> {
  if (!ip) return null;
  const mac = await crypto.subtle.sign('HMAC', await viewerMacKey(secret), encoder.encode(rateLimitKey(ip)));
  return toHex(new Uint8Array(mac).slice(0, 16));
}
