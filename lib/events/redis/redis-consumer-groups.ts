/**
 * {@link ConsumerGroups} on Redis Streams consumer groups: `XGROUP CREATE ... MKSTREAM`,
 * `XREADGROUP` (blocking reads on a leased connection, see ./redis-connection.ts), `XAUTOCLAIM` with
 * delivery counts from `XPENDING`, `XACK`, and a dead-letter stream per stream written with the
 * acknowledgement in one `MULTI`. Entries whose payload is not an event (written by something else
 * than {@link EventStreams.append}) are dead-lettered with reason `malformed entry` when read.
 */
import {
  deadLetterKey,
  MAX_DEAD_LETTER_REASON,
  type ClaimOptions,
  type ConsumerGroups,
  type DeadLetter,
  type GroupEntry,
  type ReadOptions,
  type StreamEntry,
} from '../event-log';
import { field, parseEvent, toEntry, type RawEntry, type RedisClient, type RedisConnection } from './redis-connection';

/** See module doc. */
export class RedisConsumerGroups implements ConsumerGroups {
  /**
   * @param connection the log's connections.
   * @param retention approximate entries kept per dead-letter stream (`MAXLEN ~`).
   */
  constructor(
    private readonly connection: RedisConnection,
    private readonly retention: number,
  ) {}

  private get commands(): RedisClient {
    return this.connection.commands;
  }

  /** `XGROUP CREATE <stream> <group> 0 MKSTREAM`, ignoring `BUSYGROUP` (the group exists). */
  async ensureGroup(stream: string, group: string): Promise<void> {
    try {
      await this.commands.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  /**
   * `XREADGROUP GROUP <group> <consumer> COUNT n [BLOCK ms] STREAMS <streams...> > ...`: `count` applies
   * per stream, as in Redis. On a Redis Cluster one command per hash slot (a command may name keys of
   * one slot only), blocking on all of them at once and returning as soon as one has entries.
   * @throws Error `NOGROUP ...` when a stream or its group does not exist.
   */
  async readGroup(group: string, consumer: string, streams: string[], options: ReadOptions = {}): Promise<GroupEntry[]> {
    if (streams.length === 0) return [];
    const command = (keys: readonly string[]) => (conn: RedisClient) =>
      conn.call(
        'XREADGROUP',
        ...[
          'GROUP',
          group,
          consumer,
          'COUNT',
          String(options.count ?? 100),
          ...(options.blockMs ? ['BLOCK', String(options.blockMs)] : []),
          'STREAMS',
          ...keys,
          ...keys.map(() => '>'),
        ],
      ) as Promise<Array<[string, RawEntry[]]> | null>;
    const bySlot = new Map<number, string[]>();
    for (const stream of streams) {
      const slot = this.connection.slotOf(stream);
      const list = bySlot.get(slot);
      if (list) list.push(stream);
      else bySlot.set(slot, [stream]);
    }
    const slots = [...bySlot.values()];
    let replies: Array<Array<[string, RawEntry[]]> | null>;
    if (slots.length === 1 || !options.blockMs) {
      replies = await Promise.all(slots.map((keys) => this.connection.read(options.blockMs, keys[0]!, command(keys))));
    } else {
      // Streams of several slots (a Redis Cluster): block on every slot at once, each on its own
      // connection, and end the other reads as soon as one slot has entries. An ended read consumed
      // nothing; a read that got entries before it could be ended keeps them (they are returned).
      const reads = slots.map((keys) => this.connection.readCancellable(options.blockMs!, keys[0]!, command(keys)));
      const stopOthers = () => reads.forEach((r) => r.cancel());
      replies = await Promise.all(
        reads.map((r) =>
          r.result.then(
            (reply) => {
              if (reply?.some(([, entries]) => entries.length > 0)) stopOthers();
              return reply;
            },
            (err: unknown) => {
              stopOthers();
              throw err;
            },
          ),
        ),
      );
    }
    const out: GroupEntry[] = [];
    for (const [stream, entries] of replies.flatMap((reply) => reply ?? [])) {
      for (const raw of entries) {
        const entry = toEntry(raw);
        if (entry) out.push({ stream, entry, deliveries: 1 });
        else await this.deadLetterRaw(stream, group, raw, 'malformed entry');
      }
    }
    return out;
  }

  /**
   * `XAUTOCLAIM <stream> <group> <consumer> <min-idle> <start> COUNT n` per stream, then `XPENDING`
   * for the delivery counts of what was claimed.
   * @throws Error `NOGROUP ...` when a stream or its group does not exist.
   */
  async claimPending(
    group: string,
    consumer: string,
    streams: string[],
    minIdleMs: number,
    options: ClaimOptions = {},
  ): Promise<GroupEntry[]> {
    const count = options.count ?? 50;
    const out: GroupEntry[] = [];
    for (const stream of streams) {
      let start = '0-0';
      let taken = 0;
      do {
        // XAUTOCLAIM key group consumer min-idle start COUNT n -> [next-start, entries, deleted-ids].
        // Continue from next-start until `count` entries or the end of the pending list: trimmed
        // (deleted) or malformed entries are not returned, and must not hide the ones after them.
        const reply = (await this.commands.call(
          'XAUTOCLAIM',
          stream,
          group,
          consumer,
          String(minIdleMs),
          start,
          'COUNT',
          String(count - taken),
        )) as [string, RawEntry[], string[]?];
        start = reply[0];
        const claimed = reply[1] ?? [];
        if (claimed.length === 0) continue;
        // Delivery counters of what this consumer now holds (XAUTOCLAIM incremented them).
        const first = claimed[0]![0];
        const last = claimed[claimed.length - 1]![0];
        const pending = (await this.commands.call(
          'XPENDING',
          stream,
          group,
          first,
          last,
          String(claimed.length * 2 + 10),
          consumer,
        )) as Array<[string, string, number, number]>;
        const deliveries = new Map(pending.map(([id, , , n]) => [id, Number(n)]));
        for (const raw of claimed) {
          const entry = toEntry(raw);
          if (entry) {
            out.push({ stream, entry, deliveries: deliveries.get(raw[0]) ?? 1 });
            taken++;
          } else if (raw[1]) await this.deadLetterRaw(stream, group, raw, 'malformed entry');
        }
      } while (taken < count && start !== '0-0');
    }
    return out;
  }

  /** `XACK <stream> <group> <id>` (a group or entry that does not exist is not an error). */
  async ack(stream: string, group: string, id: string): Promise<void> {
    await this.commands.call('XACK', stream, group, id);
  }

  async deadLetter(stream: string, group: string, entry: StreamEntry, reason: string): Promise<string> {
    return this.deadLetterFields(stream, group, entry.id, JSON.stringify(entry.event), reason);
  }

  /** `XRANGE <dead-letter stream> - + COUNT n`; `event` is undefined for a malformed entry (its raw fields are kept in Redis). */
  async deadLetters(stream: string, count = 100): Promise<DeadLetter[]> {
    const reply = (await this.commands.call('XRANGE', deadLetterKey(stream), '-', '+', 'COUNT', String(count))) as RawEntry[];
    return reply.map(([id, fields]) => {
      const f = fields ?? [];
      const event = parseEvent(String(field(f, 'event') ?? ''));
      return {
        id,
        entryId: String(field(f, 'entry') ?? ''),
        ...(event ? { event } : {}),
        reason: String(field(f, 'reason') ?? ''),
        group: String(field(f, 'group') ?? ''),
      };
    });
  }

  private async deadLetterRaw(stream: string, group: string, raw: RawEntry, reason: string): Promise<string> {
    return this.deadLetterFields(stream, group, raw[0], JSON.stringify(raw[1] ?? []), reason);
  }

  /** `MULTI; XADD <dead-letter stream> ...; XACK <stream> <group> <entryId>; EXEC`. */
  private async deadLetterFields(stream: string, group: string, entryId: string, payload: string, reason: string): Promise<string> {
    const results = await this.commands
      .multi()
      .call(
        'XADD',
        deadLetterKey(stream),
        'MAXLEN',
        '~',
        String(this.retention),
        '*',
        'event',
        payload,
        'reason',
        reason.slice(0, MAX_DEAD_LETTER_REASON),
        'entry',
        entryId,
        'group',
        group,
      )
      .call('XACK', stream, group, entryId)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('dead-letter transaction aborted');
    return results[0]![1] as string;
  }
}
