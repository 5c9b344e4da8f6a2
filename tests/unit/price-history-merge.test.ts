import { describe, expect, it } from 'vitest';
import { mergePriceHistory, PRICE_HISTORY_MAX } from '../../src/services/listings/price-history';

const entry = (id: number) => ({ id, price: 1000 + id, changedAt: new Date(Date.UTC(2031, 0, 1, 0, 0, id)) });
/** The two reads of a history of `n` entries (ids 1..n, oldest first). */
function reads(n: number) {
  const all = Array.from({ length: n }, (_, i) => entry(i + 1));
  return { first: all.slice(0, 1), latestFirst: all.slice(-(PRICE_HISTORY_MAX - 1)).reverse() };
}

describe('mergePriceHistory', () => {
  it('mergePriceHistory of no entries is empty', () => {
    expect(mergePriceHistory([], [])).toEqual([]);
  });

  it('mergePriceHistory of one entry lists it once', () => {
    const { first, latestFirst } = reads(1);
    expect(mergePriceHistory(first, latestFirst).map((e) => e.price)).toEqual([1001]);
  });

  for (const n of [2, PRICE_HISTORY_MAX - 1, PRICE_HISTORY_MAX]) {
    it(`mergePriceHistory of ${n} entries lists every one, oldest first, once`, () => {
      const { first, latestFirst } = reads(n);
      expect(mergePriceHistory(first, latestFirst).map((e) => e.price)).toEqual(
        Array.from({ length: n }, (_, i) => 1001 + i),
      );
    });
  }

  it('mergePriceHistory of a longer history keeps the first entry and the latest ones, without ids', () => {
    const { first, latestFirst } = reads(200);
    const merged = mergePriceHistory(first, latestFirst);
    expect(merged).toHaveLength(PRICE_HISTORY_MAX);
    expect(merged.map((e) => e.price)).toEqual([1001, ...Array.from({ length: 49 }, (_, i) => 1152 + i)]);
    expect(Object.keys(merged[0] ?? {})).toEqual(['price', 'changedAt']);
  });
});
