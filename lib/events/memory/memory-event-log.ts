/**
 * The in-process event log: the three slices over one {@link MemoryStore}, with the semantics of
 * the Redis implementation (test/events/event-log.contract.ts runs one suite against both). For the
 * single-process `npm start` without `REDIS_URL`, and for unit tests; it cannot be shared between
 * processes.
 */
import type { EventLog } from '../event-log';
import { MemoryConsumerGroups } from './memory-consumer-groups';
import { MemoryEventLogStats } from './memory-event-log-stats';
import { MemoryEventStreams } from './memory-event-streams';
import { MemoryStore } from './memory-store';
import { MemoryStreamLeases } from './memory-stream-leases';

/** See module doc. */
export class MemoryEventLog implements EventLog {
  readonly kind = 'memory' as const;
  readonly streams: MemoryEventStreams;
  readonly groups: MemoryConsumerGroups;
  readonly leases: MemoryStreamLeases;
  readonly stats: MemoryEventLogStats;
  private readonly store: MemoryStore;

  /** @param retention entries kept per stream and per dead-letter stream (exactly; Redis keeps about as many). */
  constructor(retention = 10_000) {
    this.store = new MemoryStore(retention);
    this.streams = new MemoryEventStreams(this.store);
    this.groups = new MemoryConsumerGroups(this.store);
    this.leases = new MemoryStreamLeases(this.store);
    this.stats = new MemoryEventLogStats(this.store);
  }

  /** Trims `stream` to its newest `maxLen` entries, like `XTRIM <stream> MAXLEN = <maxLen>` (tests). */
  trim(stream: string, maxLen: number): void {
    this.store.trim(stream, maxLen);
  }

  /** Blocking reads in progress return at once with no entries, and later blocking reads do not wait. */
  async close(): Promise<void> {
    this.store.close();
  }
}
