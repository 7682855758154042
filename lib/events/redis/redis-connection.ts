/**
 * The Redis connections of one event log, shared by its slices: one command connection for every
 * non-blocking command, and a pool of dedicated connections for blocking reads (`XREAD BLOCK`,
 * `XREADGROUP BLOCK`). A blocking command holds its connection until it returns, so each blocking
 * read leases a connection of its own and a waiting reader never delays other commands; the
 * connection goes back to the pool afterwards.
 *
 * RESP2 on purpose: ioredis 6 defaults to RESP3, whose map replies (XREAD, XREADGROUP, XINFO) arrive
 * flattened; the slices parse the RESP2 array shapes documented by Redis. ioredis reconnects on its
 * own; commands sent while Redis is down reject (after `maxRetriesPerRequest`), and callers retry
 * from their last position.
 */
import { Redis } from 'ioredis';
import type { DomainEvent } from '../domain-event';
import type { StreamEntry } from '../event-log';

/** A stream entry as Redis returns it in RESP2: its id and flat `[field, value, ...]` (null when the entry was deleted). */
export type RawEntry = [id: string, fields: string[] | null];

/** See module doc. */
export class RedisConnection {
  /** The shared connection for non-blocking commands. */
  readonly commands: Redis;
  private readonly idle: Redis[] = [];
  private readonly leased = new Set<Redis>();
  private closedFlag = false;

  /** @param url Redis URL, for example `redis://localhost:6379`. */
  constructor(url: string) {
    this.commands = new Redis(url, { protocol: 2, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.commands.on('error', () => undefined);
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /**
   * Runs a blocking command on a dedicated connection (from the pool, or a new duplicate of the
   * command connection), returning the connection to the pool afterwards.
   * @throws whatever `fn` throws (a connection closed by {@link close} rejects its pending command).
   */
  async withBlocking<T>(fn: (conn: Redis) => Promise<T>): Promise<T> {
    let conn = this.idle.pop();
    if (!conn) {
      conn = this.commands.duplicate();
      conn.on('error', () => undefined);
    }
    this.leased.add(conn);
    try {
      return await fn(conn);
    } finally {
      this.leased.delete(conn);
      if (this.closedFlag) conn.disconnect();
      else this.idle.push(conn);
    }
  }

  /**
   * Runs a read: blocking (`blockMs` > 0) on a leased connection, otherwise on the command
   * connection. A blocking read cut short by {@link close} answers `null` (no entries) instead of
   * rejecting.
   */
  async read<T>(blockMs: number | undefined, fn: (conn: Redis) => Promise<T | null>): Promise<T | null> {
    if (!blockMs) return fn(this.commands);
    try {
      return await this.withBlocking(fn);
    } catch (err) {
      if (this.closedFlag) return null;
      throw err;
    }
  }

  /** Closes every connection; blocking reads in progress return no entries. */
  async close(): Promise<void> {
    this.closedFlag = true;
    for (const conn of [...this.idle, ...this.leased]) conn.disconnect();
    this.idle.length = 0;
    if (this.commands.status === 'ready') await this.commands.quit().catch(() => undefined);
    this.commands.disconnect();
  }
}

/** The entry's event, or undefined when the entry was deleted or its payload is not an event. */
export function toEntry([id, fields]: RawEntry): StreamEntry | undefined {
  if (!fields) return undefined;
  const at = fields.indexOf('event');
  if (at < 0 || at + 1 >= fields.length) return undefined;
  const event = parseEvent(fields[at + 1]!);
  return event ? { id, event } : undefined;
}

/** The event JSON `payload` holds, or undefined when it is not JSON of an object with a string `id`. */
export function parseEvent(payload: string): DomainEvent | undefined {
  try {
    const event = JSON.parse(payload) as DomainEvent;
    return event && typeof event === 'object' && typeof event.id === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}

/** Value of `name` in a flat RESP2 `[k1, v1, k2, v2, ...]` reply. */
export function field(reply: readonly unknown[], name: string): unknown {
  for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] === name) return reply[i + 1];
  return undefined;
}
