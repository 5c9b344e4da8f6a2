/**
 * Gathers items from many requests of one isolate so they are written together: the first item
 * of a window schedules one write of everything gathered by the time the window ends. A full
 * buffer is written at once by the request that filled it, so it never holds more than
 * `maxItems`. Items live only in memory: an isolate that dies before its window ends loses them.
 */
export class CoalescingBuffer<T> {
  private items: T[] = [];
  // Identifies the open window; a window written early (buffer full) must not write again.
  private window: object | null = null;

  constructor(private readonly maxItems: number) {}

  get size(): number {
    return this.items.length;
  }

  /**
   * Adds an item. Returns the work the caller must keep alive (`ctx.waitUntil`) when this item
   * opened a window or filled the buffer, else null: an earlier caller's write will take it.
   * `write` runs with the items of the whole window, in the context of the caller that returned
   * it; it must not reject.
   */
  add(item: T, windowMs: number, write: (items: T[]) => Promise<void>): Promise<void> | null {
    this.items.push(item);
    if (this.items.length >= this.maxItems) return this.drain(write);
    if (this.window) return null;
    const window = {};
    this.window = window;
    // The timer belongs to the request that opened the window: nothing of another request's
    // context (its timers, its promises, its database client) is touched from here.
    return new Promise<void>((resolve) => setTimeout(resolve, windowMs)).then(() =>
      this.window === window ? this.drain(write) : undefined,
    );
  }

  private drain(write: (items: T[]) => Promise<void>): Promise<void> {
    const items = this.items;
    this.items = [];
    this.window = null;
    return items.length > 0 ? write(items) : Promise.resolve();
  }
}
