import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SearchFiltersSchema, toFilterParams } from '../../src/routes/listings/listings.schemas';
import { SavedSearchQueryInput } from '../../src/routes/saved-searches/saved-searches.schemas';

const parse = (input: unknown) => SearchFiltersSchema.parse(input);

/** A coordinate as a URL may spell it: up to 3 integer digits and 10 decimals. */
const coordinate = (max: number) =>
  fc
    .tuple(fc.integer({ min: -max, max }), fc.integer({ min: 0, max: 9_999_999_999 }), fc.integer({ min: 0, max: 10 }))
    .map(([whole, fraction, digits]) => {
      const decimals = String(fraction).padStart(10, '0').slice(0, digits);
      const text = `${whole}${digits > 0 ? `.${decimals}` : ''}`;
      return Math.abs(Number(text)) > max ? String(whole) : text;
    });

describe('saved search query: canonical URL spelling', () => {
  it('toFilterParams gives parameters that parse back to the same filters, and is a fixed point', () => {
    const inputs = [
      { q: '  garden  flat ', city: 'AusTin', propertyType: 'house', listingType: 'rent' },
      { minPrice: '000100', maxPrice: '100000000000000', minBedrooms: '0', minBathrooms: '1.50' },
      { minArea: '5', maxArea: '100000000', near: '-0.50,180', radiusKm: '0.10' },
      { bbox: '-180,-89.9999999999,180.0,90', near: '0.0000000001,-0.0000000001' },
    ];
    for (const input of inputs) {
      const parsed = parse(input);
      const params = toFilterParams(parsed);
      expect(Object.values(params).every((v) => typeof v === 'string')).toBe(true);
      expect(parse(params)).toEqual(parsed);
      expect(toFilterParams(parse(params))).toEqual(params);
    }
  });

  it('toFilterParams never writes an exponent, for any coordinate a URL may carry', () => {
    fc.assert(
      fc.property(coordinate(90), coordinate(180), (lat, lng) => {
        const parsed = parse({ near: `${lat},${lng}`, bbox: `${lng},${lat},${lng},${lat}` });
        const params = toFilterParams(parsed);
        expect(params.near).not.toMatch(/e/i);
        expect(parse(params)).toEqual(parsed);
      }),
    );
  });

  it('a saved query takes JSON numbers as their decimal text, and refuses what the URL would refuse', () => {
    expect(SavedSearchQueryInput.parse({ minPrice: 100000, minBathrooms: 1.5 })).toEqual(
      parse({ minPrice: '100000', minBathrooms: '1.5' }),
    );
    for (const bad of [
      { minPrice: -1 },
      { minBedrooms: 1.5 },
      { minPrice: 1e21 },
      { sort: 'newest' },
      'city=x',
      null,
    ]) {
      expect(SavedSearchQueryInput.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
