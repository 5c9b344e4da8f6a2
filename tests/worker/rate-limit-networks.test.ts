import { describe, expect, it } from 'vitest';
import { api } from '../helpers/api';

const hex = () => (Math.floor(Math.random() * 0xfffe) + 1).toString(16);
/** A random /64 under the documentation prefix, as its first four groups. */
const randomPrefix = () => `2001:db8:${hex()}:${hex()}`;
/** A random address inside the /64 `prefix`. */
const inside = (prefix: string) => `${prefix}:${hex()}:${hex()}:${hex()}:${hex()}`;

// Invalid bodies: the limiter runs before validation, so each request spends budget and writes nothing.
const ROUTES = [
  { path: '/v1/auth/login', body: { email: 'x', password: 'y' }, budget: 20 },
  { path: '/v1/inquiries', body: { name: '' }, budget: 10 },
  { path: '/v1/events', body: { events: [] }, budget: 120 },
] as const;

async function statusesFrom(path: string, body: unknown, ips: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const ip of ips) {
    const res = await api(path, { method: 'POST', ip, json: body });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

describe('rate limits by network', () => {
  it.each(ROUTES)(
    'POST $path keys IPv6 clients by their /64: many addresses of one /64 share one budget',
    async ({ path, body, budget }) => {
      const prefix = randomPrefix();
      const ips = Array.from({ length: budget + 10 }, () => inside(prefix));
      const statuses = await statusesFrom(path, body, ips);
      expect(statuses.filter((s) => s === 429).length, statuses.join(',')).toBeGreaterThan(0);
      expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(budget);

      // The neighbouring /64 (same /48) has a budget of its own.
      const groups = prefix.split(':');
      const neighbour = `${groups.slice(0, 3).join(':')}:${(Number.parseInt(groups[3] ?? '0', 16) ^ 1).toString(16)}`;
      const [other] = await statusesFrom(path, body, [inside(neighbour)]);
      expect(other).toBe(422);
    },
  );

  it('POST /v1/auth/login keys an IPv4-mapped IPv6 address as the IPv4 address', async () => {
    const octet = () => Math.floor(Math.random() * 254) + 1;
    const v4 = `198.18.${octet()}.${octet()}`;
    const statuses = await statusesFrom(
      '/v1/auth/login',
      { email: 'x', password: 'y' },
      Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? `::ffff:${v4}` : v4)),
    );
    expect(statuses.filter((s) => s === 429).length, statuses.join(',')).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(20);
  });
});
