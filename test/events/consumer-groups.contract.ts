/** The `ConsumerGroups` part of the event-log contract (./event-log.contract.ts). */
import type { GroupEntry } from '../../lib/events/event-log';
import { appendEvents, freshStream, settledFlag, testEvent, type ContractContext } from './contract-fixtures';

const ids = (entries: GroupEntry[]) => entries.map((e) => e.entry.id);
const counts = (entries: GroupEntry[]) => entries.map((e) => e.deliveries);

/** Defines the `ConsumerGroups` tests of the contract; `context` makes the logs under test. */
export function describeConsumerGroupsContract(context: ContractContext): void {
  describe('ConsumerGroups', () => {
    it('ensureGroup starts the group at the beginning of the stream, and is idempotent', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      const appended = await appendEvents(log, tenantId, 2);
      await log.groups.ensureGroup(stream, 'g');
      await log.groups.ensureGroup(stream, 'g');
      const read = await log.groups.readGroup('g', 'a', [stream]);
      expect(read).toEqual(appended.ids.map((id, i) => ({ stream, entry: { id, event: appended.events[i] }, deliveries: 1 })));
    });

    it('ensureGroup creates a missing stream, empty', async () => {
      const { log } = context.subject();
      const { stream } = freshStream();
      await log.groups.ensureGroup(stream, 'g');
      expect(await log.streams.listStreams('orders')).toContain(stream);
      expect(await log.streams.lastId(stream)).toBe('0-0');
      expect(await log.groups.readGroup('g', 'a', [stream])).toEqual([]);
    });

    it('readGroup delivers each new entry to one consumer of the group once; each group gets every entry', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      await log.groups.ensureGroup(stream, 'g');
      await log.groups.ensureGroup(stream, 'other');
      const first = await appendEvents(log, tenantId, 2);
      expect(ids(await log.groups.readGroup('g', 'a', [stream]))).toEqual(first.ids);
      expect(await log.groups.readGroup('g', 'b', [stream])).toEqual([]);
      const second = await appendEvents(log, tenantId, 1);
      expect(ids(await log.groups.readGroup('g', 'b', [stream]))).toEqual(second.ids);
      expect(ids(await log.groups.readGroup('other', 'a', [stream]))).toEqual([...first.ids, ...second.ids]);
    });

    it('readGroup returns at most count entries per stream, across several streams', async () => {
      const { log } = context.subject();
      const [x, y] = [freshStream(), freshStream()];
      for (const s of [x, y]) await log.groups.ensureGroup(s.stream, 'g');
      const ax = await appendEvents(log, x.tenantId, 3);
      const ay = await appendEvents(log, y.tenantId, 3);
      const read = await log.groups.readGroup('g', 'a', [x.stream, y.stream], { count: 2 });
      expect(ids(read.filter((e) => e.stream === x.stream))).toEqual(ax.ids.slice(0, 2));
      expect(ids(read.filter((e) => e.stream === y.stream))).toEqual(ay.ids.slice(0, 2));
      expect(read).toHaveLength(4);
    });

    it('a blocking readGroup waits until an entry is appended to one of its streams', async () => {
      const { log } = context.subject();
      const [x, y] = [freshStream(), freshStream()];
      for (const s of [x, y]) await log.groups.ensureGroup(s.stream, 'g');
      const reading = log.groups.readGroup('g', 'a', [x.stream, y.stream], { blockMs: 10_000 });
      const settled = settledFlag(reading);
      await new Promise((r) => setTimeout(r, 150)); // the subject: it waits
      expect(settled()).toBe(false);
      const event = testEvent(y.tenantId);
      const id = await log.streams.append(event);
      expect(await reading).toEqual([{ stream: y.stream, entry: { id, event }, deliveries: 1 }]);
    });

    it('readGroup and claimPending reject a stream without the group (NOGROUP)', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      await appendEvents(log, tenantId, 1);
      await expect(log.groups.readGroup('g', 'a', [stream])).rejects.toThrow(/^NOGROUP/);
      await expect(log.groups.claimPending('g', 'a', [stream], 0)).rejects.toThrow(/^NOGROUP/);
      await expect(log.groups.readGroup('g', 'a', [freshStream().stream])).rejects.toThrow(/^NOGROUP/);
    });

    it('claimPending takes the entries idle for at least minIdleMs, counting the deliveries', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      await log.groups.ensureGroup(stream, 'g');
      const { ids: appended } = await appendEvents(log, tenantId, 2);
      expect(counts(await log.groups.readGroup('g', 'a', [stream]))).toEqual([1, 1]);
      expect(await log.groups.claimPending('g', 'b', [stream], 60_000)).toEqual([]);
      await new Promise((r) => setTimeout(r, 120)); // the subject: idle time
      const claimed = await log.groups.claimPending('g', 'b', [stream], 100);
      expect(ids(claimed)).toEqual(appended);
      expect(counts(claimed)).toEqual([2, 2]);
      // A claim resets the idle time; min-idle 0 takes everything anyway.
      expect(await log.groups.claimPending('g', 'a', [stream], 60_000)).toEqual([]);
      const again = await log.groups.claimPending('g', 'c', [stream], 0);
      expect(ids(again)).toEqual(appended);
      expect(counts(again)).toEqual([3, 3]);
    });

    it("claimPending with min-idle 0 takes every pending entry in id order, the consumer's own included, at most count per stream", async () => {
      const { log } = context.subject();
      const [x, y] = [freshStream(), freshStream()];
      for (const s of [x, y]) await log.groups.ensureGroup(s.stream, 'g');
      const ax = await appendEvents(log, x.tenantId, 5);
      const ay = await appendEvents(log, y.tenantId, 3);
      await log.groups.readGroup('g', 'a', [x.stream, y.stream]);
      const some = await log.groups.claimPending('g', 'a', [x.stream, y.stream], 0, { count: 2 });
      expect(ids(some)).toEqual([...ax.ids.slice(0, 2), ...ay.ids.slice(0, 2)]);
      expect(counts(some)).toEqual([2, 2, 2, 2]);
      const all = await log.groups.claimPending('g', 'a', [x.stream], 0, { count: 10 });
      expect(ids(all)).toEqual(ax.ids);
      expect(counts(all)).toEqual([3, 3, 2, 2, 2]);
    });

    it('an entry stays pending until acknowledged; ack removes it', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      await log.groups.ensureGroup(stream, 'g');
      const { ids: appended } = await appendEvents(log, tenantId, 3);
      await log.groups.readGroup('g', 'a', [stream]);
      await log.groups.ack(stream, 'g', appended[1]!);
      expect(ids(await log.groups.claimPending('g', 'b', [stream], 0))).toEqual([appended[0], appended[2]]);
      await log.groups.ack(stream, 'g', appended[0]!);
      await log.groups.ack(stream, 'g', appended[2]!);
      await log.groups.ack(stream, 'g', appended[2]!); // twice: no error
      expect(await log.groups.claimPending('g', 'b', [stream], 0)).toEqual([]);
    });

    it('claimPending skips and forgets pending entries trimmed from the stream, still returning count entries', async () => {
      const { log, trim } = context.subject();
      const { tenantId, stream } = freshStream();
      await log.groups.ensureGroup(stream, 'g');
      const { ids: appended } = await appendEvents(log, tenantId, 5);
      await log.groups.readGroup('g', 'a', [stream]);
      await trim(stream, 2);
      const claimed = await log.groups.claimPending('g', 'b', [stream], 0, { count: 2 });
      expect(ids(claimed)).toEqual(appended.slice(3));
      for (const id of appended.slice(3)) await log.groups.ack(stream, 'g', id);
      expect(await log.groups.claimPending('g', 'b', [stream], 0)).toEqual([]);
    });

    it('deadLetter moves an entry to the dead-letter stream with reason, entry id and group, and acknowledges it', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      await log.groups.ensureGroup(stream, 'g');
      const appended = await appendEvents(log, tenantId, 3);
      const [first, second] = await log.groups.readGroup('g', 'a', [stream]);
      expect(await log.groups.deadLetters(stream)).toEqual([]);
      const id = await log.groups.deadLetter(stream, 'g', first!.entry, 'boom: cannot handle');
      await log.groups.deadLetter(stream, 'g', second!.entry, 'x'.repeat(1500));
      const letters = await log.groups.deadLetters(stream);
      expect(letters[0]).toEqual({ id, entryId: appended.ids[0], event: appended.events[0], reason: 'boom: cannot handle', group: 'g' });
      expect(letters[1]).toMatchObject({ entryId: appended.ids[1], reason: 'x'.repeat(1000), group: 'g' });
      expect(await log.groups.deadLetters(stream, 1)).toEqual([letters[0]]);
      expect(ids(await log.groups.claimPending('g', 'b', [stream], 0))).toEqual([appended.ids[2]]);
    });
  });
}
