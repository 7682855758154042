/** {@link StreamLeases} in process, with the semantics of the Redis implementation (../redis/redis-stream-leases.ts). */
import type { StreamLeases } from '../event-log';
import type { MemoryStore } from './memory-store';

/** See module doc. */
export class MemoryStreamLeases implements StreamLeases {
  constructor(private readonly store: MemoryStore) {}

  /** The live lease of `key`, dropping a lapsed one (a key whose TTL passed). */
  private lease(key: string): { owner: string; expiresAt: number } | undefined {
    const lease = this.store.leases.get(key);
    if (lease && lease.expiresAt <= Date.now()) {
      this.store.leases.delete(key);
      return undefined;
    }
    return lease;
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const lease = this.lease(key);
    if (lease && lease.owner !== owner) return false;
    this.store.leases.set(key, { owner, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const lease = this.lease(key);
    if (lease?.owner !== owner) return false;
    lease.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async release(key: string, owner: string): Promise<boolean> {
    if (this.lease(key)?.owner !== owner) return false;
    this.store.leases.delete(key);
    return true;
  }

  async holder(key: string): Promise<string | undefined> {
    return this.lease(key)?.owner;
  }

  async heartbeat(key: string, member: string, ttlMs: number): Promise<number> {
    let set = this.store.members.get(key);
    if (!set) this.store.members.set(key, (set = new Map()));
    const now = Date.now();
    set.set(member, now + ttlMs);
    for (const [m, expiresAt] of set) if (expiresAt < now) set.delete(m);
    return set.size;
  }

  async leave(key: string, member: string): Promise<void> {
    this.store.members.get(key)?.delete(member);
  }
}
