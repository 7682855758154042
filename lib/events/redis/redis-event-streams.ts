/**
 * {@link EventStreams} on Redis Streams: `XADD ... MAXLEN ~ <retention>` per tenant and topic,
 * `XREAD` for readers (blocking reads on a leased connection, see ./redis-connection.ts), `SCAN` for
 * the stream list and `XINFO STREAM` for cursor checks.
 */
import type { Redis } from 'ioredis';
import type { DomainEvent, Topic } from '../domain-event';
import { streamKey } from '../domain-event';
import type { CursorStatus, EventStreams, ReadOptions, StreamEntry } from '../event-log';
import { compareStreamIds, isValidCursor } from '../stream-id';
import { field, toEntry, type RawEntry, type RedisConnection } from './redis-connection';

/** See module doc. */
export class RedisEventStreams implements EventStreams {
  /**
   * @param connection the log's connections.
   * @param retention approximate entries kept per stream (`MAXLEN ~`: Redis trims whole internal
   *   nodes only, so a stream may keep somewhat more).
   */
  constructor(
    private readonly connection: RedisConnection,
    private readonly retention: number,
  ) {}

  private get commands(): Redis {
    return this.connection.commands;
  }

  /** `XADD <stream> MAXLEN ~ <retention> * event <json>`. */
  async append(event: DomainEvent): Promise<string> {
    const key = streamKey(event.tenantId, event.topic);
    return (await this.commands.call('XADD', key, 'MAXLEN', '~', String(this.retention), '*', 'event', JSON.stringify(event))) as string;
  }

  /** `XREAD [BLOCK ms] COUNT n STREAMS <stream> <afterId>`; entries whose payload is not an event are left out. */
  async read(stream: string, afterId: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    const count = String(options.count ?? 100);
    const args = ['COUNT', count, ...(options.blockMs ? ['BLOCK', String(options.blockMs)] : []), 'STREAMS', stream, afterId];
    const reply = await this.connection.read(
      options.blockMs,
      (conn) => conn.call('XREAD', ...args) as Promise<Array<[string, RawEntry[]]> | null>,
    );
    return (reply?.[0]?.[1] ?? []).map(toEntry).filter((e): e is StreamEntry => e !== undefined);
  }

  async lastId(stream: string): Promise<string> {
    const reply = (await this.commands.call('XREVRANGE', stream, '+', '-', 'COUNT', '1')) as RawEntry[];
    return reply[0]?.[0] ?? '0-0';
  }

  /** `SCAN ... MATCH evt:{*}:<topic> TYPE stream` (dead-letter streams end in `:dlq`, so they do not match). */
  async listStreams(topic: Topic): Promise<string[]> {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = (await this.commands.call('SCAN', cursor, 'MATCH', `evt:{*}:${topic}`, 'COUNT', '500', 'TYPE', 'stream')) as [
        string,
        string[],
      ];
      cursor = next;
      for (const k of batch) keys.add(k);
    } while (cursor !== '0');
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
