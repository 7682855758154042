/**
 * The ordered consumer over the in-process event log, with a recording handler: the ordering rules
 * (pending first, in order per stream, never skipping a failing entry, dead-lettering, one owner
 * per stream). The same consumer on Redis: test/events/order-event-*.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { streamKey, type DomainEvent } from '../../../lib/events/domain-event';
import { leaseKey } from '../../../lib/events/event-log';
import type { EventHandler } from '../../../lib/events/entry-processor';
import { MemoryEventLog } from '../../../lib/events/memory/memory-event-log';
import { OrderedConsumer } from '../../../lib/events/ordered-consumer';
import type { OrderedConsumerOptions } from '../../../lib/events/ordered-consumer-options';
import { createLogger } from '../../../lib/logger';
import { waitUntil } from '../../support/processes';

const GROUP = 'g';
const logger = createLogger('test', 'silent');

/** One handler call. */
interface Call {
  consumer: string;
  stream: string;
  eventId: string;
  start: number;
  end: number;
  ok: boolean;
}

function event(tenantId: string): DomainEvent {
  const id = randomUUID();
  return { id, tenantId, topic: 'orders', type: 'order.placed', subjectId: id, occurredAt: new Date().toISOString(), data: {} };
}

describe('OrderedConsumer', () => {
  let log: MemoryEventLog;
  let calls: Call[];
  let consumers: OrderedConsumer[];

  /** Starts a consumer whose handler records each call and then runs `behaviour` (default: succeeds). */
  function start(
    name: string,
    behaviour: (e: DomainEvent) => Promise<void> = async () => {},
    options: Partial<OrderedConsumerOptions> = {},
  ) {
    const handler: EventHandler = async (e, entry) => {
      const call: Call = { consumer: name, stream: entry.stream, eventId: e.id, start: Date.now(), end: 0, ok: false };
      calls.push(call);
      try {
        await behaviour(e);
        call.ok = true;
      } finally {
        call.end = Date.now();
      }
    };
    const settings = { refreshMs: 20, leaseMs: 600, blockMs: 50, retryMs: 10, redeliverMs: 50, handleAttempts: 1, ...options };
    const consumer = new OrderedConsumer(log, { topic: 'orders', group: GROUP, consumerName: name, logger, ...settings }, handler);
    consumers.push(consumer);
    consumer.start();
    return consumer;
  }
  /** A new tenant stream with its group, and a function appending `n` events to it (returns their ids). */
  async function stream() {
    const tenantId = randomUUID();
    const key = streamKey(tenantId, 'orders');
    await log.groups.ensureGroup(key, GROUP);
    const append = async (n: number) => {
      const events = Array.from({ length: n }, () => event(tenantId));
      for (const e of events) await log.streams.append(e);
      return events.map((e) => e.id);
    };
    return { key, append };
  }
  const handled = (key: string, ok = true) => calls.filter((c) => c.stream === key && (!ok || c.ok)).map((c) => c.eventId);
  const pendingLeft = async (key: string) => (await log.groups.claimPending(GROUP, 'probe', [key], 0)).length;

  beforeEach(() => {
    log = new MemoryEventLog();
    calls = [];
    consumers = [];
  });
  afterEach(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await log.close();
  });

  it("handles the pending entries of a stream it takes over first, once the previous owner's lease lapsed", async () => {
    const s = await stream();
    const read = await s.append(2);
    await log.groups.readGroup(GROUP, 'dead', [s.key]); // read, never acknowledged
    const unread = await s.append(2);
    const leasedAt = Date.now();
    await log.leases.acquire(leaseKey(s.key, GROUP), 'dead#1', 300);
    start('survivor');
    await waitUntil(() => handled(s.key).length === 4, 'the four entries', 5000);
    expect(handled(s.key)).toEqual([...read, ...unread]);
    expect(calls[0]!.start).toBeGreaterThanOrEqual(leasedAt + 300);
    await Promise.all(consumers.map((c) => c.stop()));
    expect(await pendingLeft(s.key)).toBe(0);
  });

  it("applies each stream's entries once, in stream order, while entries keep arriving", async () => {
    const streams = [await stream(), await stream(), await stream()];
    const appended = await Promise.all(streams.map((s) => s.append(5)));
    start('solo', () => new Promise((r) => setTimeout(r, Math.random() * 3)));
    await waitUntil(() => calls.length > 0, 'the first entry', 5000);
    for (const [i, s] of streams.entries()) appended[i]!.push(...(await s.append(5)));
    await waitUntil(() => calls.length === 30, 'every entry', 5000);
    for (const [i, s] of streams.entries()) expect(handled(s.key)).toEqual(appended[i]);
  });

  it("holds a stream's later entries back until its failing entry succeeds, while another stream flows", async () => {
    const [a, b] = [await stream(), await stream()];
    const ids = await a.append(4);
    // The 2nd entry succeeds on its 3rd delivery, the 3rd on its 2nd attempted one: counting the
    // deliveries the 3rd got while waiting behind the 2nd would dead-letter it (maxDeliveries 3).
    const failures = new Map([
      [ids[1]!, 2],
      [ids[2]!, 1],
    ]);
    const behaviour = async (e: DomainEvent) => {
      const left = failures.get(e.id) ?? 0;
      failures.set(e.id, left - 1);
      if (left > 0) throw new Error('transient failure');
    };
    start('solo', behaviour, { maxDeliveries: 3, redeliverMs: 150 });
    await waitUntil(() => calls.some((c) => !c.ok), 'the first failure', 5000);
    const others = await b.append(4);
    await waitUntil(() => handled(a.key).length === 4 && handled(b.key).length === 4, 'both streams', 5000);
    const mark = (c: Call) => `${ids.indexOf(c.eventId)}${c.ok ? '' : '!'}`;
    expect(calls.filter((c) => c.stream === a.key).map(mark)).toEqual(['0', '1!', '1!', '1', '2!', '2', '3']);
    const secondOk = calls.find((c) => c.eventId === ids[1] && c.ok)!;
    expect(handled(b.key)).toEqual(others);
    expect(Math.max(...calls.filter((c) => c.stream === b.key).map((c) => c.end))).toBeLessThanOrEqual(secondOk.start);
    expect(await log.groups.deadLetters(a.key)).toEqual([]);
  });

  it('moves an entry that fails on its maxDeliveries-th delivery to the dead-letter stream with the error as reason, then goes on', async () => {
    const s = await stream();
    const [poison, next] = await s.append(2);
    start(
      'solo',
      async (e) => {
        if (e.id === poison) throw new Error('boom: cannot handle');
      },
      { maxDeliveries: 3 },
    );
    await waitUntil(() => handled(s.key).includes(next!), 'the entry after the poison one', 5000);
    expect(calls.filter((c) => c.eventId === poison).map((c) => c.ok)).toEqual([false, false, false]);
    expect(await log.groups.deadLetters(s.key)).toEqual([
      expect.objectContaining({
        entryId: expect.any(String),
        reason: 'boom: cannot handle',
        group: GROUP,
        event: expect.objectContaining({ id: poison }),
      }),
    ]);
    await Promise.all(consumers.map((c) => c.stop()));
    expect(await pendingLeft(s.key)).toBe(0);
  });

  it('never lets two consumers own one stream at once, and spreads the streams over them', async () => {
    const streams = [await stream(), await stream(), await stream(), await stream()];
    const appended = await Promise.all(streams.map((s) => s.append(10)));
    const slow = () => new Promise<void>((r) => setTimeout(r, 2));
    const a = start('a', slow);
    await waitUntil(() => a.ownedStreams().length === 4, 'A to own every stream', 5000);
    const b = start('b', slow);
    let overlaps = 0;
    const sampler = setInterval(() => {
      const mine = new Set(a.ownedStreams());
      if (b.ownedStreams().some((k) => mine.has(k))) overlaps++;
    }, 2);
    try {
      for (const [i, s] of streams.entries()) appended[i]!.push(...(await s.append(10)));
      await waitUntil(() => a.ownedStreams().length === 2 && b.ownedStreams().length === 2, 'two streams each', 5000);
      await waitUntil(() => calls.filter((c) => c.ok).length === 80, 'every entry', 5000);
    } finally {
      clearInterval(sampler);
    }
    expect(overlaps).toBe(0);
    for (const [i, s] of streams.entries()) {
      expect(handled(s.key)).toEqual(appended[i]);
      const own = calls.filter((c) => c.stream === s.key);
      for (let j = 1; j < own.length; j++) expect(own[j]!.start).toBeGreaterThanOrEqual(own[j - 1]!.end);
      const holder = await log.leases.holder(leaseKey(s.key, GROUP));
      expect(holder?.startsWith(a.ownedStreams().includes(s.key) ? 'a#' : 'b#')).toBe(true);
    }
    expect(new Set([...a.ownedStreams(), ...b.ownedStreams()])).toEqual(new Set(streams.map((s) => s.key)));
  });

  it('releases its leases on stop, so another consumer takes its streams over at once', async () => {
    const s = await stream();
    const a = start('a', async () => {}, { leaseMs: 60_000 });
    await waitUntil(() => a.ownedStreams().length === 1, 'A to own the stream', 5000);
    await a.stop();
    expect(await log.leases.holder(leaseKey(s.key, GROUP))).toBeUndefined();
    const ids = await s.append(1);
    start('b', async () => {}, { leaseMs: 60_000 });
    await waitUntil(() => handled(s.key).length === 1, 'B to handle the new entry', 5000);
    expect(handled(s.key)).toEqual(ids);
    expect(calls[0]!.consumer).toBe('b');
  });
});
