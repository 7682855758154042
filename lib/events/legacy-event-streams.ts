/**
 * TEMPORARY (event-log refactor in progress; delete at merge, when the event-log implementations
 * expose `EventLog.streams`): an {@link EventStreams} over an event log of the previous shape, whose
 * stream methods sit on the log itself and which answers `isExpired(stream, cursor)` instead of
 * `cursorStatus`. Used only by the call sites that start a gateway (scripts/local-supergraph.ts,
 * gateway/main.ts, bench/*, tests); the gateway itself depends on {@link EventStreams} only.
 */
import type { DomainEvent, Topic } from './domain-event';
import type { CursorStatus, EventLog, EventStreams, ReadOptions, StreamEntry } from './event-log';
import { compareStreamIds } from './stream-id';

/** The stream methods of an event log before the split (RedisEventLog and MemoryEventLog as they were). */
export interface LegacyStreamLog {
  append(event: DomainEvent): Promise<string>;
  read(stream: string, afterId: string, options?: ReadOptions): Promise<StreamEntry[]>;
  lastId(stream: string): Promise<string>;
  listStreams(topic: Topic): Promise<string[]>;
  /** True when entries after `cursor` were trimmed from `stream`. */
  isExpired(stream: string, cursor: string): Promise<boolean>;
}

function isLegacy(log: EventLog | LegacyStreamLog): log is LegacyStreamLog {
  return typeof (log as Partial<LegacyStreamLog>).isExpired === 'function';
}

/**
 * The {@link EventStreams} of `log`: its `streams` slice when it already has the new shape, else
 * forwards to the old methods. `cursorStatus` is `ok` for `0`/`0-0`, `expired` when `isExpired` says
 * so, `ahead` when the cursor is newer than the newest retained entry (`lastId`), else `ok`. Unlike
 * the real implementations it cannot tell a cursor at the last generated id of a stream trimmed to
 * nothing from a forged one (both are `ahead`).
 */
export function legacyEventStreams(log: EventLog | LegacyStreamLog): EventStreams {
  if (!isLegacy(log)) return log.streams;
  return {
    append: (event) => log.append(event),
    read: (stream, afterId, options) => log.read(stream, afterId, options),
    lastId: (stream) => log.lastId(stream),
    listStreams: (topic) => log.listStreams(topic),
    async cursorStatus(stream: string, cursor: string): Promise<CursorStatus> {
      if (compareStreamIds(cursor, '0-0') === 0) return 'ok';
      if (await log.isExpired(stream, cursor)) return 'expired';
      return compareStreamIds(cursor, await log.lastId(stream)) > 0 ? 'ahead' : 'ok';
    },
  };
}
