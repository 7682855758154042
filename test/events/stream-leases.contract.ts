/** The `StreamLeases` part of the event-log contract (./event-log.contract.ts). */
import { randomUUID } from 'node:crypto';
import { waitUntil } from '../support/processes';
import type { ContractContext } from './contract-fixtures';

/** Defines the `StreamLeases` tests of the contract; `context` makes the logs under test. */
export function describeStreamLeasesContract(context: ContractContext): void {
  describe('StreamLeases', () => {
    it('a lease has one holder at a time; renew and release only work for the holder', async () => {
      const { log } = context.subject();
      const key = `lease:{${randomUUID()}}:orders:g`;
      expect(await log.leases.holder(key)).toBeUndefined();
      expect(await log.leases.acquire(key, 'a', 5000)).toBe(true);
      expect(await log.leases.acquire(key, 'b', 5000)).toBe(false);
      expect(await log.leases.renew(key, 'b', 5000)).toBe(false);
      expect(await log.leases.release(key, 'b')).toBe(false);
      expect(await log.leases.holder(key)).toBe('a');
      expect(await log.leases.renew(key, 'a', 5000)).toBe(true);
      expect(await log.leases.release(key, 'a')).toBe(true);
      expect(await log.leases.holder(key)).toBeUndefined();
      expect(await log.leases.release(key, 'a')).toBe(false);
      expect(await log.leases.acquire(key, 'b', 5000)).toBe(true);
      expect(await log.leases.holder(key)).toBe('b');
    });

    it('a lease lapses after its time to live; then renew fails and anyone can take it', async () => {
      const { log } = context.subject();
      const key = `lease:{${randomUUID()}}:orders:g`;
      const takenAt = Date.now();
      expect(await log.leases.acquire(key, 'a', 150)).toBe(true);
      expect(await log.leases.holder(key)).toBe('a');
      await waitUntil(async () => (await log.leases.holder(key)) === undefined, 'the lease to lapse', 3000, 20);
      expect(Date.now() - takenAt).toBeGreaterThanOrEqual(140);
      expect(await log.leases.renew(key, 'a', 5000)).toBe(false);
      expect(await log.leases.acquire(key, 'b', 5000)).toBe(true);
    });

    it('acquiring a lease one already holds extends it', async () => {
      const { log } = context.subject();
      const key = `lease:{${randomUUID()}}:orders:g`;
      expect(await log.leases.acquire(key, 'a', 150)).toBe(true);
      expect(await log.leases.acquire(key, 'a', 5000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300)); // the subject: past the first time to live
      expect(await log.leases.holder(key)).toBe('a');
    });

    it('heartbeat counts the live members and forgets those not seen within their time to live; leave removes one', async () => {
      const { log } = context.subject();
      const key = `members:${randomUUID()}:g`;
      expect(await log.leases.heartbeat(key, 'a', 150)).toBe(1);
      expect(await log.leases.heartbeat(key, 'b', 5000)).toBe(2);
      expect(await log.leases.heartbeat(key, 'b', 5000)).toBe(2);
      await waitUntil(async () => (await log.leases.heartbeat(key, 'b', 5000)) === 1, 'a to be forgotten', 3000, 20);
      expect(await log.leases.heartbeat(key, 'c', 5000)).toBe(2);
      await log.leases.leave(key, 'b');
      expect(await log.leases.heartbeat(key, 'c', 5000)).toBe(1);
      await log.leases.leave(key, 'nobody');
    });
  });
}
