/**
 * Event log on Redis Streams (ioredis): `XADD ... MAXLEN ~ <retention>` per tenant and topic, `XREAD`
 * for subscribers, `XREADGROUP`/`XACK` for consumers. Blocking reads each lease a dedicated connection,
 * so a waiting reader never delays commands. ioredis reconnects on its own; reads made while Redis is
 * down reject, and callers retry from their last position.
 */
import { Redis } from 'ioredis';
import type { DomainEvent, Topic } from './domain-event';
import { streamKey } from './domain-event';
import type { EventLog, ReadOptions, StreamEntry } from './event-log';

type RawEntry = [id: string, fields: string[] | null];

function toEntry([id, fields]: RawEntry): StreamEntry | undefined {
  if (!fields) return undefined;
  const at = fields.indexOf('event');
  if (at < 0 || at + 1 >= fields.length) return undefined;
  return { id, event: JSON.parse(fields[at + 1]!) as DomainEvent };
}

/** See module doc. */
export class RedisEventLog implements EventLog {
  readonly kind = 'redis' as const;
  private readonly commands: Redis;
  private readonly idle: Redis[] = [];
  private readonly leased = new Set<Redis>();
  private closed = false;

  /**
   * @param url Redis URL, for example `redis://localhost:6379`.
   * @param retention approximate entries kept per stream (`MAXLEN ~`).
   */
  constructor(
    url: string,
    private readonly retention = 10_000,
  ) {
    // RESP2: ioredis 6 defaults to RESP3, whose map replies (XREAD, XREADGROUP) arrive flattened.
    this.commands = new Redis(url, { protocol: 2, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.commands.on('error', () => undefined);
  }

  private async withBlocking<T>(fn: (conn: Redis) => Promise<T>): Promise<T> {
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
      if (this.closed) conn.disconnect();
      else this.idle.push(conn);
    }
  }

  async append(event: DomainEvent): Promise<string> {
    const key = streamKey(event.tenantId, event.topic);
    const id = (await this.commands.call(
      'XADD',
      key,
      'MAXLEN',
      '~',
      String(this.retention),
      '*',
      'event',
      JSON.stringify(event),
    )) as string;
    return id;
  }

  async read(stream: string, afterId: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    const count = String(options.count ?? 100);
    const args = ['COUNT', count, ...(options.blockMs ? ['BLOCK', String(options.blockMs)] : []), 'STREAMS', stream, afterId];
    const run = (conn: Redis) => conn.call('XREAD', ...args) as Promise<Array<[string, RawEntry[]]> | null>;
    const reply = options.blockMs ? await this.withBlocking(run) : await run(this.commands);
    return (reply?.[0]?.[1] ?? []).map(toEntry).filter((e): e is StreamEntry => e !== undefined);
  }

  async lastId(stream: string): Promise<string> {
    const reply = (await this.commands.call('XREVRANGE', stream, '+', '-', 'COUNT', '1')) as RawEntry[];
    return reply[0]?.[0] ?? '0-0';
  }

  async firstId(stream: string): Promise<string | undefined> {
    const reply = (await this.commands.call('XRANGE', stream, '-', '+', 'COUNT', '1')) as RawEntry[];
    return reply[0]?.[0];
  }

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

  async ensureGroup(stream: string, group: string): Promise<void> {
    try {
      await this.commands.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  async readGroup(group: string, consumer: string, streams: string[], options: ReadOptions = {}) {
    if (streams.length === 0) return [];
    const args = [
      'GROUP',
      group,
      consumer,
      'COUNT',
      String(options.count ?? 100),
      ...(options.blockMs ? ['BLOCK', String(options.blockMs)] : []),
      'STREAMS',
      ...streams,
      ...streams.map(() => '>'),
    ];
    const run = (conn: Redis) => conn.call('XREADGROUP', ...args) as Promise<Array<[string, RawEntry[]]> | null>;
    const reply = options.blockMs ? await this.withBlocking(run) : await run(this.commands);
    const out: Array<{ stream: string; entry: StreamEntry }> = [];
    for (const [stream, entries] of reply ?? []) {
      for (const raw of entries) {
        const entry = toEntry(raw);
        if (entry) out.push({ stream, entry });
      }
    }
    return out;
  }

  async ack(stream: string, group: string, id: string): Promise<void> {
    await this.commands.call('XACK', stream, group, id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const conn of [...this.idle, ...this.leased]) conn.disconnect();
    this.idle.length = 0;
    if (this.commands.status === 'ready') await this.commands.quit().catch(() => undefined);
    this.commands.disconnect();
  }
}
