import type { Context } from 'hono';

/**
 * The client's address as Cloudflare saw it. Only CF-Connecting-IP is trusted: it is set by
 * the edge and cannot be forged through it, unlike X-Forwarded-For.
 */
export function clientIp(c: Pick<Context, 'req'>): string | null {
  const ip = c.req.header('CF-Connecting-IP')?.trim();
  return ip && ip.length <= 64 ? ip : null;
}

/** The first four groups of an IPv6 address (its /64), or null when it is not one. */
function ipv6Prefix64(ip: string): string | null {
  if (!/^[0-9a-f:.]+$/i.test(ip) || ip.split('::').length > 2) return null;
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // A trailing dotted IPv4 (::ffff:192.0.2.1) fills two groups.
  const missing = 8 - left.length - right.length - (right.at(-1)?.includes('.') ? 1 : 0);
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(missing, 0)).fill('0'), ...right];
  if (groups.length < 4) return null;
  return groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':');
}

/**
 * Who is guessing, for the sign-in lockout: an IPv4 address, or an IPv6 /64 (one subscriber's
 * network, which hands out many addresses). Never logged; the services store only a hash of it.
 */
export function throttleClient(ip: string | null): string {
  if (!ip) return 'ip:unknown';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return `ip:${ip}`;
  const prefix = ipv6Prefix64(ip);
  return prefix ? `ip6:${prefix}::/64` : 'ip:unknown';
}

/** Keeps a /24 of IPv4 or a /48 of IPv6: enough to see abuse, not enough to identify a person. */
export function truncateIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const [head] = ip.split('::');
    const groups = (head ?? '').split(':').filter(Boolean).slice(0, 3);
    while (groups.length < 3) groups.push('0');
    return `${groups.join(':')}::/48`;
  }
  return null;
}
