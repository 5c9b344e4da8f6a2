import type { Context } from 'hono';

/**
 * The client's address as Cloudflare saw it. Only CF-Connecting-IP is trusted: it is set by
 * the edge and cannot be forged through it, unlike X-Forwarded-For.
 */
export function clientIp(c: Pick<Context, 'req'>): string | null {
  const ip = c.req.header('CF-Connecting-IP')?.trim();
  return ip && ip.length <= 64 ? ip : null;
}

type ParsedIp = { v4: [number, number, number, number] } | { v6: number[] };

function parseV4(text: string): [number, number, number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map(Number) as [number, number, number, number];
  return octets.every((o) => o <= 255) ? octets : null;
}

/** The eight 16-bit groups of an IPv6 address (compressed, with a zone or a dotted tail), or null. */
function parseV6(text: string): number[] | null {
  let rest = text.replace(/%.*$/, '').toLowerCase();
  const tail: number[] = [];
  const dotted = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(rest);
  if (dotted?.[1]) {
    const v4 = parseV4(dotted[1]);
    if (!v4) return null;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    rest = rest.slice(0, dotted.index);
    // "::1.2.3.4": what precedes the tail was "::", whose second colon the match took.
    if (rest.endsWith(':')) rest += ':';
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const head = groups(halves[0]);
  const back = groups(halves[1]);
  if ([...head, ...back].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const known = head.length + back.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = Array<number>(8 - known).fill(0);
  return [...head.map((g) => Number.parseInt(g, 16)), ...zeros, ...back.map((g) => Number.parseInt(g, 16)), ...tail];
}

/** An address as IPv4 or IPv6; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 one. */
function parseIp(ip: string): ParsedIp | null {
  const v4 = parseV4(ip);
  if (v4) return { v4 };
  if (!ip.includes(':')) return null;
  const v6 = parseV6(ip);
  if (!v6) return null;
  const [g5 = 0, g6 = 0, g7 = 0] = v6.slice(5);
  if (v6.slice(0, 5).every((g) => g === 0) && g5 === 0xffff) {
    return { v4: [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff] };
  }
  return { v6 };
}

const hexGroups = (groups: number[]) => groups.map((g) => g.toString(16)).join(':');

/**
 * The one client a rate limit or the sign-in lockout counts: an IPv4 address, or the /64 of an
 * IPv6 address, since one subscriber routinely holds a whole /64 and picks any address in it.
 */
export function rateLimitKey(ip: string | null): string {
  if (!ip) return 'unknown';
  const parsed = parseIp(ip);
  if (!parsed) return ip.slice(0, 64);
  if ('v4' in parsed) return parsed.v4.join('.');
  return `${hexGroups(parsed.v6.slice(0, 4))}::/64`;
}

/** What truncateIp returns: `a.b.c.0/24` or `h:h:h::/48` (at most 19 characters). */
export const TRUNCATED_IP_FORMAT = /^(?:(?:[0-9]{1,3}\.){3}0\/24|(?:[0-9a-f]{1,4}:){3}:\/48)$/;
export const TRUNCATED_IP_MAX = 19;

/** Keeps a /24 of IPv4 or a /48 of IPv6: enough to see abuse, not enough to identify a person. */
export function truncateIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const parsed = parseIp(ip);
  if (!parsed) return null;
  if ('v4' in parsed) return `${parsed.v4.slice(0, 3).join('.')}.0/24`;
  return `${hexGroups(parsed.v6.slice(0, 3))}::/48`;
}
