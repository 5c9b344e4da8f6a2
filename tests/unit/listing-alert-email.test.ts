import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEDULE } from '../../src/jobs/registry';
import { renderAlertDigest, renderListingAlert } from '../../src/services/alerts/alert-email';
import { listingUrl, searchUrl, unsubscribeHeaders, unsubscribeLinks } from '../../src/services/alerts/links';
import { digestPeriodStart } from '../../src/services/alerts/period';
import { readUnsubscribeToken } from '../../src/services/saved-searches/unsubscribe-token';

const context = {
  appUrl: 'https://www.example.com/',
  apiUrl: 'https://api.example.com',
  unsubscribeSecret: 'alert-email-test-secret-of-at-least-32-chars',
};
const SEARCH = '0190a8b2-0000-7000-8000-000000000001';
const OTHER = '0190a8b2-0000-7000-8000-000000000002';

const token = (url: string) => new URL(url).searchParams.get('token') ?? '';

describe('alert links', () => {
  it('link a listing by its slug and a search by its own query, on the website', () => {
    expect(listingUrl(context, 'sunny-loft')).toBe('https://www.example.com/properties/sunny-loft');
    expect(searchUrl(context, { q: 'garden & pool', city: 'Oslo', minPrice: '100' })).toBe(
      'https://www.example.com/properties?city=Oslo&minPrice=100&q=garden+%26+pool',
    );
    expect(searchUrl(context, {})).toBe('https://www.example.com/properties');
  });

  it('unsubscribe: a page link on the website and a one-click URL on the API, both carrying the signed search id', async () => {
    const links = await unsubscribeLinks(context, SEARCH);
    expect(links.page.startsWith('https://www.example.com/unsubscribe?token=')).toBe(true);
    expect(links.oneClick.startsWith('https://api.example.com/v1/alerts/unsubscribe?token=')).toBe(true);
    expect(await readUnsubscribeToken(context.unsubscribeSecret, token(links.page))).toEqual([SEARCH]);
    expect(await readUnsubscribeToken(context.unsubscribeSecret, token(links.oneClick))).toEqual([SEARCH]);
    expect(await readUnsubscribeToken(`${context.unsubscribeSecret}x`, token(links.page))).toBeNull();
    expect(unsubscribeHeaders(links)).toEqual({
      'List-Unsubscribe': `<${links.oneClick}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });
});

describe('alert emails', () => {
  it('an instant alert names the listing, links it, shows both prices of a drop and escapes everything', async () => {
    const email = await renderListingAlert(context, {
      name: 'Ann <script>',
      searchId: SEARCH,
      searchName: 'Lofts "near" <me>',
      kind: 'price_drop',
      title: 'Loft <img src=x onerror=alert(1)>',
      slug: 'loft-1',
      price: 250_000_00,
      previousPrice: 300_000_00,
      currency: 'USD',
    });
    expect(email.subject).toBe('Price drop: Loft <img src=x onerror=alert(1)>, now $250,000');
    expect(email.text).toContain('$250,000 (was $300,000)');
    expect(email.text).toContain('https://www.example.com/properties/loft-1');
    expect(email.html).not.toMatch(/<img|<script/);
    expect(email.html).toContain('Loft &lt;img src=x onerror=alert(1)&gt;');
    expect(email.html).toContain('<s>$300,000</s>');
    expect(email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const oneClick = /^<(.+)>$/.exec(email.headers['List-Unsubscribe'] ?? '')?.[1] ?? '';
    expect(await readUnsubscribeToken(context.unsubscribeSecret, token(oneClick))).toEqual([SEARCH]);
  });

  it('a new listing shows one price; control characters cannot break the subject', async () => {
    const email = await renderListingAlert(context, {
      searchId: SEARCH,
      kind: 'new_listing',
      title: 'Flat\r\nBcc: victim@example.com',
      slug: 'flat',
      price: 1_500_00,
      previousPrice: null,
      currency: 'EUR',
    });
    expect(email.subject).toBe('New listing: Flat Bcc: victim@example.com');
    expect(email.text).toContain('€1,500\n');
    expect(email.text).not.toContain('was');
  });

  it('a digest lists its listings, says how many more there are and links and unsubscribes every search', async () => {
    const listings = Array.from({ length: 20 }, (_, i) => ({
      title: `Home ${i}`,
      slug: `home-${i}`,
      price: 100_00 * (i + 1),
      previousPrice: null,
      currency: 'USD',
      kind: 'new_listing',
    }));
    const email = await renderAlertDigest(context, {
      name: 'Bo',
      frequency: 'weekly',
      total: 23,
      listings,
      searches: [
        { id: SEARCH, name: 'Cheap', query: { maxPrice: '5000' } },
        { id: OTHER, name: 'Big', query: { minArea: '200' } },
      ],
    });
    expect(email.subject).toBe('Your weekly alert digest: 23 listings');
    expect(email.text).toContain('And 3 more');
    expect(email.text).toContain('All results for "Cheap": https://www.example.com/properties?maxPrice=5000');
    expect(email.text).toContain('All results for "Big": https://www.example.com/properties?minArea=200');
    for (const l of listings) expect(email.text).toContain(`https://www.example.com/properties/${l.slug}`);
    // RFC 8058: one one-click URL, naming every search of the digest.
    const oneClicks = [...(email.headers['List-Unsubscribe'] ?? '').matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? '');
    expect(oneClicks).toHaveLength(1);
    expect(await readUnsubscribeToken(context.unsubscribeSecret, token(oneClicks[0] ?? ''))).toEqual([SEARCH, OTHER]);
  });
});

describe('digest periods', () => {
  it('a day is its UTC date; a week starts on its Monday', () => {
    expect(digestPeriodStart('daily', new Date('2026-03-01T23:59:59Z'))).toBe('2026-03-01');
    expect(digestPeriodStart('weekly', new Date('2026-03-01T12:00:00Z'))).toBe('2026-02-23'); // a Sunday
    expect(digestPeriodStart('weekly', new Date('2026-03-02T00:00:00Z'))).toBe('2026-03-02'); // a Monday
    expect(digestPeriodStart('weekly', new Date('2027-01-01T08:00:00Z'))).toBe('2026-12-28');
  });
});

describe('schedule', () => {
  it("wrangler.toml's crons are exactly SCHEDULE's, and matching runs right before the drain every minute", () => {
    const toml = readFileSync('wrangler.toml', 'utf8');
    const crons = JSON.parse(/^crons = (\[.*\])$/m.exec(toml)?.[1] ?? '[]') as string[];
    expect([...crons].sort()).toEqual(Object.keys(SCHEDULE).sort());
    const minute = SCHEDULE['* * * * *'] ?? [];
    expect(minute.indexOf('match-listing-alerts')).toBe(minute.indexOf('drain-notifications') - 1);
    expect(SCHEDULE['0 7 * * *']).toEqual(['daily-alert-digests']);
    expect(SCHEDULE['0 7 * * 1']).toEqual(['weekly-alert-digests']);
  });
});
