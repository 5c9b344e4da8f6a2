import type { Context } from 'hono';

/**
 * The client's address as Cloudflare saw it. Only CF-Connecting-IP is trusted: it is set by
 * the edge and cannot be forged through it, unlike X-Forwarded-For.
 */
export function clientIp(c: Pick<Context, 'req'>): string | null {
  const ip = c.req.header('CF-Connecting-IP')?.trim();
  return ip && ip.length <= 64 ? ip : null;
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
