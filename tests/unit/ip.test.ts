import { describe, expect, it } from 'vitest';
import { rateLimitKey, truncateIp } from '../../src/lib/ip';

describe('rateLimitKey', () => {
  it.each([
    ['198.51.100.23', '198.51.100.23'],
    ['::ffff:198.51.100.23', '198.51.100.23'],
    ['::FFFF:198.51.100.23', '198.51.100.23'],
    ['::ffff:c633:6417', '198.51.100.23'],
    ['0:0:0:0:0:ffff:198.51.100.23', '198.51.100.23'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3:8d3::/64'],
    ['2001:0DB8:85A3:08D3:ffff:ffff:ffff:ffff', '2001:db8:85a3:8d3::/64'],
    ['2001:db8:85a3:8d3::1', '2001:db8:85a3:8d3::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('keys %s as %s', (ip, key) => {
    expect(rateLimitKey(ip)).toBe(key);
  });

  it.each([['not an ip'], ['1.2.3'], ['1:2:3:4:5:6:7:8:9'], ['1::2::3'], ['300.1.1.1']])(
    'keys the unparsable %j as itself, cut short',
    (ip) => {
      expect(rateLimitKey(ip)).toBe(ip.slice(0, 64));
    },
  );

  it('keys no address as unknown', () => {
    expect(rateLimitKey(null)).toBe('unknown');
  });
});

describe('truncateIp', () => {
  it('truncates an IPv4-mapped IPv6 address as the IPv4 address it is', () => {
    expect(truncateIp('::ffff:198.51.100.23')).toBe('198.51.100.0/24');
  });

  it('keeps the /48 of IPv6', () => {
    expect(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::/48');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::/48');
  });
});
