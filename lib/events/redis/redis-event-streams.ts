/**
 * {@link EventStreams} on Redis Streams: `XADD ... MAXLEN ~ <retention>` per tenant and topic,
 * `XREAD` for readers (blocking reads on a leased connection, see ./redis-connection.ts), `SCAN` for
 * the stream list and `XINFO STREAM` for cursor checks.
 */
import type { DomainEvent, Topic } from '../domain-event';
import { streamKey } from '../domain-event';
import type { CursorStatus, EventStreams, ReadOptions, StreamEntry } from '../event-log';
import { compareStreamIds, isValidCursor } from '../stream-id';
import { field, toEntry, type RawEntry, type RedisClient, type RedisConnection } from './redis-connection';

/** How many replicas an append waits for before it counts as published (Redis `WAIT`). */
export interface AppendDurability {
  /** Replicas that must acknowledge each append (0: do not wait). */
  replicas: number;
  /** Most ms to wait for them. */
  timeoutMs: number;
  /** Told when fewer replicas acknowledged in time (the append stands). */
  onShortfall?: (info: { stream: string; entryId: string; acked: number }) => void;
}

/** See module doc. */
export class RedisEventStreams implements EventStreams {
  /**
   * @param connection the log's connections.
   * @param retention approximate entries kept per stream (`MAXLEN ~`: Redis trims whole internal
   *   nodes only, so a stream may keep somewhat more).
   * @param durability replicas each append waits for (`WAIT`); none by default.
   */
  constructor(
    private readonly connection: RedisConnection,
    private readonly retention: number,
    private readonly durability: AppendDurability = { replicas: 0, timeoutMs: 1000 },
  ) {}

  private get commands(): RedisClient {
    return this.connection.commands;
  }

  /**
   * `XADD <stream> MAXLEN ~ <retention> * event <json>`, then, when replicas are asked for,
   * `WAIT <replicas> <timeoutMs>` on the connection that sent it: a failover right after the append
   * can then not lose the entry (Redis replicates asynchronously; `WAIT` blocks until that many
   * replicas acknowledged this connection's writes). When fewer replicas answer in time (one is
   * down), the entry stands and `durability.onShortfall` is told: the event path stays available.
   * @throws the connection's error when the master fails before answering (the outbox relay then
   *   rolls back and publishes the row again: a duplicate at worst, never a loss).
   */
  async append(event: DomainEvent): Promise<string> {
    const key = streamKey(event.tenantId, event.topic);
    const args = ['XADD', key, 'MAXLEN', '~', String(this.retention), '*', 'event', JSON.stringify(event)];
    if (this.durability.replicas <= 0) return (await this.commands.call(...(args as [string, ...string[]]))) as string;
    const node = await this.connection.nodeClient(key);
    const id = (await node.call(...(args as [string, ...string[]]))) as string;
    const acked = Number(await node.call('WAIT', String(this.durability.replicas), String(this.durability.timeoutMs)));
    if (acked < this.durability.replicas) this.durability.onShortfall?.({ stream: key, entryId: id, acked });
    return id;
  }

  /** `XREAD [BLOCK ms] COUNT n STREAMS <stream> <afterId>`; entries whose payload is not an event are left out. */
  async read(stream: string, afterId: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    const count = String(options.count ?? 100);
    const args = ['COUNT', count, ...(options.blockMs ? ['BLOCK', String(options.blockMs)] : []), 'STREAMS', stream, afterId];
    const reply = await this.connection.read(
      options.blockMs,
      stream,
      (conn) => conn.call('XREAD', ...args) as Promise<Array<[string, RawEntry[]]> | null>,
    );
    return (reply?.[0]?.[1] ?? []).map(toEntry).filter((e): e is StreamEntry => e !== undefined);
  }

  async lastId(stream: string): Promise<string> {
    const reply = (await this.commands.call('XREVRANGE', stream, '+', '-', 'COUNT', '1')) as RawEntry[];
    return reply[0]?.[0] ?? '0-0';
  }

  /**
   * `SCAN ... MATCH evt:{*}:<topic> TYPE stream` on every master (dead-letter streams end in `:dlq`,
   * so they do not match).
   */
  async listStreams(topic: Topic): Promise<string[]> {
    const keys = new Set<string>();
    for (const node of this.connection.masters()) {
      let cursor = '0';
      do {
        const [next, batch] = (await node.call('SCAN', cursor, 'MATCH', `evt:{*}:${topic}`, 'COUNT', '500', 'TYPE', 'stream')) as [
          string,
          string[],
        ];
        cursor = next;
        for (const k of batch) keys.add(k);
      } while (cursor !== '0');
    }
    return [...keys];
  }

  /**
   * From `XINFO STREAM` (Redis 7.0+): `last-generated-id` (kept when every entry is trimmed; `0-0`
   * for a stream created empty by `XGROUP CREATE ... MKSTREAM`), `length` and
   * `recorded-first-entry-id` (the oldest retained entry). A stream that does not exist (`ERR no such
   * key`) counts as empty with last generated id `0-0`.
   * @throws Error when `cursor` is not a valid stream id ({@link isValidCursor}); Redis' errors.
   */
  async cursorStatus(stream: string, cursor: string): Promise<CursorStatus> {
    if (!isValidCursor(cursor)) throw new Error(`Not a stream id: ${JSON.stringify(cursor)}`);
    if (compareStreamIds(cursor, '0-0') === 0) return 'ok';
    let reply: unknown[];
    try {
      reply = (await this.commands.call('XINFO', 'STREAM', stream)) as unknown[];
    } catch (err) {
      if (/no such key/i.test((err as Error).message)) return 'ahead'; // the cursor is above 0-0
      throw err;
    }
    const last = String(field(reply, 'last-generated-id'));
    if (compareStreamIds(cursor, last) > 0) return 'ahead';
    if (Number(field(reply, 'length')) === 0) return compareStreamIds(cursor, last) === 0 ? 'ok' : 'expired';
    return compareStreamIds(cursor, String(field(reply, 'recorded-first-entry-id'))) < 0 ? 'expired' : 'ok';
  }
}
