import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/lib/memory-cache';

/** A clock the test moves by hand: nothing here depends on real time. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('MemoryCache', () => {
  it('returns what was stored until its TTL runs out, then nothing', () => {
    const time = clock();
    const cache = new MemoryCache<string>({ maxEntries: 10, maxBytes: 1000 }, time.now);
    cache.set('a', 'alpha', 5, 5000);
    time.advance(4999);
    expect(cache.get('a')).toBe('alpha');
    time.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('stores nothing with a TTL of 0 or for a value larger than the whole cache', () => {
    const cache = new MemoryCache<string>({ maxEntries: 10, maxBytes: 100 }, clock().now);
    cache.set('zero', 'x', 1, 0);
    cache.set('huge', 'x', 101, 5000);
    expect(cache.get('zero')).toBeUndefined();
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry when there are too many', () => {
    const cache = new MemoryCache<number>({ maxEntries: 3, maxBytes: 1000 }, clock().now);
    cache.set('a', 1, 1, 5000);
    cache.set('b', 2, 1, 5000);
    cache.set('c', 3, 1, 5000);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('d', 4, 1, 5000);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    expect(cache.size).toBe(3);
  });

  it('evicts the least recently used entries until the bytes fit', () => {
    const cache = new MemoryCache<string>({ maxEntries: 100, maxBytes: 100 }, clock().now);
    cache.set('a', 'a', 40, 5000);
    cache.set('b', 'b', 40, 5000);
    cache.set('c', 'c', 50, 5000);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('b');
    expect(cache.bytes).toBe(90);
    cache.set('d', 'd', 100, 5000);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(100);
  });

  it('replacing or deleting an entry gives its bytes back', () => {
    const cache = new MemoryCache<string>({ maxEntries: 10, maxBytes: 100 }, clock().now);
    cache.set('a', 'old', 60, 5000);
    cache.set('a', 'new', 30, 5000);
    expect(cache.get('a')).toBe('new');
    expect(cache.bytes).toBe(30);
    cache.delete('a');
    cache.delete('never stored');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });
});
