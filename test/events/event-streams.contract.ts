/** The `EventStreams` part of the event-log contract (./event-log.contract.ts). */
import { randomUUID } from 'node:crypto';
import { streamKey } from '../../lib/events/domain-event';
import { deadLetterKey, type EventStreams } from '../../lib/events/event-log';
import { compareStreamIds } from '../../lib/events/stream-id';
import { appendEvents, freshStream, settledFlag, testEvent, type ContractContext } from './contract-fixtures';

/** `id` moved by `deltaMs` milliseconds (sequence 0). */
function shifted(id: string, deltaMs: number): string {
  return `${BigInt(id.split('-')[0]!) + BigInt(deltaMs)}-0`;
}

/** Defines the `EventStreams` tests of the contract (cursorStatus included); `context` makes the logs under test. */
export function describeEventStreamsContract(context: ContractContext): void {
  describe('EventStreams', () => {
    it('appends entries with growing ids and reads the entries after a cursor in id order, at most count', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      const { ids, events } = await appendEvents(log, tenantId, 3);
      expect(compareStreamIds(ids[0]!, ids[1]!)).toBeLessThan(0);
      expect(compareStreamIds(ids[1]!, ids[2]!)).toBeLessThan(0);
      expect(await log.streams.read(stream, '0')).toEqual(ids.map((id, i) => ({ id, event: events[i] })));
      expect((await log.streams.read(stream, ids[0]!)).map((e) => e.id)).toEqual(ids.slice(1));
      expect(await log.streams.read(stream, ids[2]!)).toEqual([]);
      expect((await log.streams.read(stream, '0', { count: 2 })).map((e) => e.id)).toEqual(ids.slice(0, 2));
      expect(await log.streams.read(freshStream().stream, '0')).toEqual([]);
    });

    it('a blocking read waits until an entry is appended and returns it', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      const { ids } = await appendEvents(log, tenantId, 1);
      const startedAt = Date.now();
      const reading = log.streams.read(stream, ids[0]!, { blockMs: 10_000 });
      const settled = settledFlag(reading);
      await new Promise((r) => setTimeout(r, 150)); // the subject: it waits
      expect(settled()).toBe(false);
      const event = testEvent(tenantId);
      const id = await log.streams.append(event);
      expect(await reading).toEqual([{ id, event }]);
      expect(Date.now() - startedAt).toBeLessThan(5000);
    });

    it('a blocking read with nothing to return resolves empty after blockMs', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      const { ids } = await appendEvents(log, tenantId, 1);
      const startedAt = Date.now();
      expect(await log.streams.read(stream, ids[0]!, { blockMs: 200 })).toEqual([]);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);
    });

    it('close ends a blocking read in progress with no entries', async () => {
      const { log } = context.subject();
      const { stream } = freshStream();
      const startedAt = Date.now();
      const reading = log.streams.read(stream, '0', { blockMs: 10_000 });
      const settled = settledFlag(reading);
      await new Promise((r) => setTimeout(r, 100)); // let the read start waiting
      expect(settled()).toBe(false);
      await log.close();
      expect(await reading).toEqual([]);
      expect(Date.now() - startedAt).toBeLessThan(5000);
    });

    it('lastId is the newest entry id, 0-0 for a stream without entries', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      expect(await log.streams.lastId(stream)).toBe('0-0');
      const { ids } = await appendEvents(log, tenantId, 2);
      expect(await log.streams.lastId(stream)).toBe(ids[1]);
    });

    it('listStreams lists the streams of one topic, every tenant, and no dead-letter stream', async () => {
      const { log } = context.subject();
      const a = freshStream();
      const b = freshStream();
      const other = randomUUID();
      await appendEvents(log, a.tenantId, 1);
      await appendEvents(log, b.tenantId, 1);
      await log.streams.append(testEvent(other, 'notifications'));
      await log.groups.ensureGroup(a.stream, 'g');
      const [entry] = await log.groups.readGroup('g', 'c', [a.stream]);
      await log.groups.deadLetter(a.stream, 'g', entry!.entry, 'listed?');
      const orders = await log.streams.listStreams('orders');
      expect(orders).toEqual(expect.arrayContaining([a.stream, b.stream]));
      expect(orders).not.toContain(streamKey(other, 'notifications'));
      expect(orders).not.toContain(deadLetterKey(a.stream));
      expect(await log.streams.listStreams('notifications')).toContain(streamKey(other, 'notifications'));
    });

    it('append trims each stream to about the retention, keeping the newest entries', async () => {
      const { log } = context.subject({ retention: 10 });
      const { tenantId, stream } = freshStream();
      const { ids } = await appendEvents(log, tenantId, 250);
      const kept = (await log.streams.read(stream, '0', { count: 1000 })).map((e) => e.id);
      // Redis trims whole internal nodes (`MAXLEN ~`), so it may keep more than the retention.
      expect(kept.length).toBeGreaterThanOrEqual(10);
      expect(kept.length).toBeLessThan(250);
      expect(kept).toEqual(ids.slice(-kept.length));
    });

    describeCursorStatus(context);
  });
}

function describeCursorStatus(context: ContractContext): void {
  describe('cursorStatus', () => {
    const statuses = (streams: EventStreams, stream: string, cursors: string[]) =>
      Promise.all(cursors.map((c) => streams.cursorStatus(stream, c)));

    it('of a stream that does not exist: 0 and 0-0 are ok, anything else is ahead', async () => {
      const { log } = context.subject();
      const { stream } = freshStream();
      expect(await statuses(log.streams, stream, ['0', '0-0', '0-1', '1-0', '1795321380917-0'])).toEqual([
        'ok',
        'ok',
        'ahead',
        'ahead',
        'ahead',
      ]);
    });

    it('of a stream created empty by ensureGroup: 0 is ok, anything else is ahead', async () => {
      const { log } = context.subject();
      const { stream } = freshStream();
      await log.groups.ensureGroup(stream, 'g');
      expect(await statuses(log.streams, stream, ['0', '0-0', '1-0'])).toEqual(['ok', 'ok', 'ahead']);
    });

    it('of an untrimmed stream: its entry ids and 0 are ok, an older cursor is expired, a newer one ahead', async () => {
      const { log } = context.subject();
      const { tenantId, stream } = freshStream();
      const { ids } = await appendEvents(log, tenantId, 3);
      expect(await statuses(log.streams, stream, ['0', '0-0', ...ids])).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      // Older than the first entry: a cursor of an earlier life of the stream.
      expect(await log.streams.cursorStatus(stream, shifted(ids[0]!, -1))).toBe('expired');
      expect(await log.streams.cursorStatus(stream, '1-0')).toBe('expired');
      const [ms, seq] = ids[2]!.split('-');
      expect(await log.streams.cursorStatus(stream, `${ms}-${BigInt(seq!) + 1n}`)).toBe('ahead');
      expect(await log.streams.cursorStatus(stream, shifted(ids[2]!, 60_000))).toBe('ahead');
    });

    it('after trimming: expired up to the oldest retained entry (its predecessor included), ok from it on', async () => {
      const { log, trim } = context.subject();
      const { tenantId, stream } = freshStream();
      const { ids } = await appendEvents(log, tenantId, 4);
      await trim(stream, 2);
      expect(await statuses(log.streams, stream, ids)).toEqual(['expired', 'expired', 'ok', 'ok']);
      expect(await statuses(log.streams, stream, ['0', shifted(ids[3]!, 60_000)])).toEqual(['ok', 'ahead']);
    });

    it('of a fully trimmed stream: only its last generated id (and 0) is ok', async () => {
      const { log, trim } = context.subject();
      const { tenantId, stream } = freshStream();
      const { ids } = await appendEvents(log, tenantId, 3);
      await trim(stream, 0);
      expect(await log.streams.lastId(stream)).toBe('0-0');
      expect(await statuses(log.streams, stream, ids)).toEqual(['expired', 'expired', 'ok']);
      expect(await statuses(log.streams, stream, ['0', shifted(ids[2]!, 60_000)])).toEqual(['ok', 'ahead']);
    });

    it('rejects a cursor that is not a stream id', async () => {
      const { log } = context.subject();
      await expect(log.streams.cursorStatus(freshStream().stream, 'yesterday')).rejects.toThrow(/stream id/);
    });
  });
}
