/**
 * A least-recently-used cache in this isolate's memory, bounded by entries and by bytes, whose
 * entries expire after their own TTL. Holds plain data only (never an I/O object).
 */
export class MemoryCache<V> {
  // A Map iterates in insertion order: re-inserting on every read keeps the coldest entry first.
  private readonly entries = new Map<string, { value: V; bytes: number; expiresAt: number }>();
  private totalBytes = 0;

  constructor(
    private readonly limits: { maxEntries: number; maxBytes: number },
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.totalBytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` for `ttlMs`; a TTL of 0 or a value larger than the whole cache stores nothing. */
  set(key: string, value: V, bytes: number, ttlMs: number): void {
    this.delete(key);
    if (ttlMs <= 0 || bytes > this.limits.maxBytes || this.limits.maxEntries <= 0) return;
    this.entries.set(key, { value, bytes, expiresAt: this.now() + ttlMs });
    this.totalBytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.totalBytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= entry.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }
}
