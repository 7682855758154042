/** {@link EventLogStats} of the in-process event log, computed from its store. */
import { parseStreamKey, type Topic } from '../domain-event';
import type { EventLogStats, GroupStats } from '../event-log';
import { compareStreamIds } from '../stream-id';
import type { MemoryStore } from './memory-store';

/** See module doc. */
export class MemoryEventLogStats implements EventLogStats {
  constructor(private readonly store: MemoryStore) {}

  async ping(): Promise<void> {
    if (this.store.closed) throw new Error('The event log is closed.');
  }

  async groupStats(topic: Topic, group: string): Promise<GroupStats> {
    const stats: GroupStats = { streams: 0, lag: 0, pending: 0, deadLetters: 0 };
    for (const [key, stream] of this.store.streams) {
      if (parseStreamKey(key)?.topic !== topic) continue;
      stats.streams++;
      const g = stream.groups.get(group);
      if (g) {
        stats.pending += g.pending.size;
        stats.lag += stream.entries.filter((e) => compareStreamIds(e.id, g.lastDelivered) > 0).length;
      }
      stats.deadLetters += this.store.deadLetters.get(key)?.length ?? 0;
    }
    return stats;
  }
}
