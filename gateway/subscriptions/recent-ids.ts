/**
 * A bounded set of recent ids, for dropping relay duplicates (an event published twice: same event
 * id, new stream entry id): the stream hub keeps one per stream reader, a replaying live
 * subscription one for the entries it replays. No I/O.
 */

/** See the module doc: remembers the last `capacity` ids added (FIFO eviction). */
export class RecentIds {
  private readonly set = new Set<string>();

  /** @param capacity most ids remembered (default 1,000). */
  constructor(private readonly capacity = 1000) {}

  /** Whether `id` is remembered. */
  has(id: string): boolean {
    return this.set.has(id);
  }

  /** Adds `id`; false when it was already there (a duplicate). */
  add(id: string): boolean {
    if (this.set.has(id)) return false;
    this.set.add(id);
    if (this.set.size > this.capacity) this.set.delete(this.set.values().next().value!);
    return true;
  }
}
