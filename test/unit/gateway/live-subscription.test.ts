import type { ExecutionResult } from 'graphql';
import { streamKey, type DomainEvent, type DomainEventType } from '../../../lib/events/domain-event';
import type { ReadOptions, StreamEntry } from '../../../lib/events/event-log';
import { compareStreamIds } from '../../../lib/events/stream-id';
import { createLogger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import type { OperationRequest } from '../../../gateway/execute-operation';
import { SUBJECT_VARIABLE } from '../../../gateway/subscriptions/live-query';
import { LiveSubscription, type LiveSubscriptionDeps, type LiveSubscriptionPlan } from '../../../gateway/subscriptions/live-subscription';
import { ShapedResults } from '../../../gateway/subscriptions/shaped-results';
import { SharedExecutor, subscriptionMetrics } from '../../../gateway/subscriptions/shared-executor';
import { StreamHub, type StreamListener } from '../../../gateway/subscriptions/stream-hub';

const TENANT = 't1';
const STREAM = streamKey(TENANT, 'orders');
const logger = createLogger('test', 'silent');
const principal: Principal = { tenantId: TENANT, userId: 'u1', scopes: [], requestId: 'r1' };

/** A tiny in-memory stream (one key): ids `<n>-0`, reads like XREAD, blocking reads wake on append. */
class TinyStream {
  readonly entries: StreamEntry[] = [];
  /** `afterId` of every blocking read (the hub's reader): it has fanned out everything up to there. */
  readonly blockingReadsAfter: string[] = [];
  private readonly waiters = new Set<() => void>();

  append(subjectId: string, options: { type?: DomainEventType; tenantId?: string; eventId?: string } = {}): string {
    const id = `${this.entries.length + 1}-0`;
    const event: DomainEvent = {
      id: options.eventId ?? `event-${id}`,
      tenantId: options.tenantId ?? TENANT,
      topic: 'orders',
      type: options.type ?? 'order.status_changed',
      subjectId,
      occurredAt: new Date(0).toISOString(),
      data: {},
    };
    this.entries.push({ id, event });
    for (const wake of [...this.waiters]) wake();
    return id;
  }

  async lastId(): Promise<string> {
    return this.entries.at(-1)?.id ?? '0-0';
  }

  async read(_stream: string, afterId: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    const after = () => this.entries.filter((e) => compareStreamIds(e.id, afterId) > 0).slice(0, options.count ?? 100);
    if (after().length > 0 || !options.blockMs) return after();
    this.blockingReadsAfter.push(afterId);
    await new Promise<void>((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, options.blockMs);
      this.waiters.add(done);
    });
    return after();
  }

  /** Resolves once the hub's reader has read past `id` (so it has fanned it out). */
  async fannedOut(id: string): Promise<void> {
    while (!this.blockingReadsAfter.some((after) => compareStreamIds(after, id) >= 0)) await new Promise((r) => setTimeout(r, 2));
  }
}

/** Executes the live query by echoing the subject id; `hidden` subjects are not visible (null). */
async function fakeExecute(_principal: Principal, request: OperationRequest): Promise<ExecutionResult> {
  const id = request.variables?.[SUBJECT_VARIABLE] as string;
  return { data: { orderUpdated: id === 'hidden' ? null : { id } } };
}

const plan = (overrides: Partial<LiveSubscriptionPlan> = {}): LiveSubscriptionPlan => ({
  principal,
  stream: STREAM,
  eventTypes: new Set(['order.placed', 'order.status_changed']),
  liveQuery: 'query { orderUpdated: order(id: $__subjectId) { id } }',
  liveVariables: {},
  responseKey: 'orderUpdated',
  executionKey: 'k',
  ...overrides,
});

/** Takes `n` results: [cursor, subject id] each. */
async function take(sub: LiveSubscription, n: number): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  while (out.length < n) {
    const { value, done } = await sub.next();
    if (done) throw new Error(`ended after ${out.length} results`);
    out.push([value.extensions!.cursor as string, (value.data!.orderUpdated as { id: string }).id]);
  }
  return out;
}

describe('LiveSubscription', () => {
  let stream: TinyStream;
  let hub: StreamHub;
  const subs: LiveSubscription[] = [];
  const deps = (overrides: Partial<LiveSubscriptionDeps> = {}): LiveSubscriptionDeps => ({
    hub,
    streams: stream,
    executor: new SharedExecutor(),
    executeOperation: fakeExecute,
    logger,
    maxQueue: 100,
    onOverflow: () => undefined,
    onEnd: () => undefined,
    ...overrides,
  });
  const start = async (p: LiveSubscriptionPlan, d: LiveSubscriptionDeps = deps()) => {
    const sub = new LiveSubscription(p, d);
    subs.push(sub);
    await sub.start();
    return sub;
  };

  beforeEach(() => {
    stream = new TinyStream();
    hub = new StreamHub(stream, logger, { blockMs: 50 });
  });
  afterEach(async () => {
    for (const sub of subs.splice(0)) sub.end();
    await hub.close();
  });

  it('without after: starts at the end of the stream and delivers the new matching entries, in order, with their cursor', async () => {
    stream.append('old');
    const sub = await start(plan());
    expect(sub.state).toBe('live');
    const a = stream.append('a');
    stream.append('n', { type: 'notification.created' });
    stream.append('x', { tenantId: 'another tenant' });
    const b = stream.append('b');
    expect(await take(sub, 2)).toEqual([
      [a, 'a'],
      [b, 'b'],
    ]);
  });

  it('with after: replays history after the cursor page by page, then the live entries buffered meanwhile, without gap or duplicate', async () => {
    const first = stream.append('h1');
    const history = [stream.append('h2'), stream.append('h3'), stream.append('h4'), stream.append('h5')];
    const sub = await start(plan({ after: first }), deps({ replayPageSize: 2 }));
    expect(sub.state).toBe('replaying');
    const live1 = stream.append('l1');
    stream.append('h3', { eventId: 'event-3-0' }); // a relay duplicate of h3: same event id, new entry id
    const live2 = stream.append('l2');
    await stream.fannedOut(live2); // buffered while replaying (nothing was taken yet)
    expect(await take(sub, 6)).toEqual([
      [history[0], 'h2'],
      [history[1], 'h3'],
      [history[2], 'h4'],
      [history[3], 'h5'],
      [live1, 'l1'],
      [live2, 'l2'],
    ]);
    expect(sub.state).toBe('live');
  });

  it('with after: live entries the hub hands over while attaching come after the replay, not before it', async () => {
    const first = stream.append('h1');
    const h2 = stream.append('h2');
    let early!: StreamEntry;
    const attachingHub = {
      async attach(_stream: string, listener: StreamListener) {
        early = { id: '3-0', event: { ...stream.entries[0]!.event, id: 'early', subjectId: 'early' } };
        listener([early]); // an entry fanned out before start() resumes
        return { position: h2, detach: () => undefined };
      },
    };
    const sub = await start(plan({ after: first }), deps({ hub: attachingHub }));
    expect(await take(sub, 2)).toEqual([
      [h2, 'h2'],
      ['3-0', 'early'],
    ]);
  });

  it('skips entries whose subject the subscriber cannot see, and filters by subject', async () => {
    const sub = await start(plan({ subjectId: 'mine' }), deps({ executeOperation: fakeExecute }));
    stream.append('other');
    const mine = stream.append('mine');
    expect(await take(sub, 1)).toEqual([[mine, 'mine']]);
    const all = await start(plan());
    stream.append('hidden');
    const visible = stream.append('visible');
    expect(await take(all, 1)).toEqual([[visible, 'visible']]);
  });

  it('overflow: more than maxQueue waiting entries end the subscription and call onOverflow once', async () => {
    let overflows = 0;
    let overflowed!: () => void;
    const overflow = new Promise<void>((resolve) => (overflowed = resolve));
    const onOverflow = () => {
      overflows++;
      overflowed();
    };
    const sub = await start(plan(), deps({ maxQueue: 2, onOverflow }));
    for (const id of ['a', 'b', 'c', 'd']) stream.append(id); // nobody takes them
    await overflow;
    expect(sub.state).toBe('ended');
    expect(overflows).toBe(1);
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    expect(hub.activeStreams).toBe(0);
  });

  it('return() ends a next() that waits for an entry, and detaches from the hub', async () => {
    let ends = 0;
    const sub = await start(plan(), deps({ onEnd: () => void ends++ }));
    const waiting = sub.next();
    await sub.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(sub.state).toBe('ended');
    expect(ends).toBe(1);
    expect(hub.activeStreams).toBe(0);
  });

  it('shapes: subscribers with the same shape key get one shaped result object per entry; another shape key gets its own', async () => {
    const shared = deps({ executor: new SharedExecutor(), shapes: new ShapedResults() });
    const project = (v: unknown) => ({ ref: (v as { id: string }).id });
    const a = await start(plan({ shapeKey: 'plain' }), shared);
    const b = await start(plan({ shapeKey: 'plain' }), shared);
    const aliased = await start(plan({ shapeKey: 'aliased', project }), shared);
    const id = stream.append('s1');
    const [ra, rb, rc] = await Promise.all([a.next(), b.next(), aliased.next()]);
    expect(ra.value).toBe(rb.value);
    expect(ra.value).toEqual({ data: { orderUpdated: { id: 's1' } }, extensions: { cursor: id } });
    expect(rc.value).toEqual({ data: { orderUpdated: { ref: 's1' } }, extensions: { cursor: id } });
    const next = stream.append('s2');
    const [na, nb] = await Promise.all([a.next(), b.next()]);
    expect(na.value).toBe(nb.value);
    expect(na.value).not.toBe(ra.value);
    expect(na.value).toEqual({ data: { orderUpdated: { id: 's2' } }, extensions: { cursor: next } });
  });

  it('duplicates: the hub drops a relay copy of a live event once for the stream; live-only subscriptions keep no ids of their own', async () => {
    const a = await start(plan());
    const b = await start(plan());
    const dropped = subscriptionMetrics.duplicatesDropped;
    const original = stream.append('s1');
    stream.append('s1', { eventId: 'event-1-0' }); // a relay duplicate of s1: same event id, new entry id
    const next = stream.append('s2');
    for (const sub of [a, b])
      expect(await take(sub, 2)).toEqual([
        [original, 's1'],
        [next, 's2'],
      ]);
    expect(subscriptionMetrics.duplicatesDropped - dropped).toBe(1);
    expect((a as unknown as { replayed?: unknown }).replayed).toBeUndefined();
  });

  it('duplicates: a subscription that replayed an event drops its copy arriving live, which the hub had not seen', async () => {
    const first = stream.append('h1');
    const replayedEntry = stream.append('h2'); // before the hub's reader starts: the hub never sees it
    const sub = await start(plan({ after: first }));
    expect(await take(sub, 1)).toEqual([[replayedEntry, 'h2']]);
    expect(sub.state).toBe('live');
    stream.append('h2', { eventId: 'event-2-0' }); // the copy, live
    const next = stream.append('l1');
    expect(await take(sub, 1)).toEqual([[next, 'l1']]);
  });
});
