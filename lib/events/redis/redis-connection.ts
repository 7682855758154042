/**
 * The Redis connections of one event log, shared by its slices: one command client for every
 * non-blocking command (a `Redis` connection, or an ioredis `Cluster` that routes each command to
 * the master serving its key's hash slot and follows `MOVED` redirections and failovers), and a
 * pool of dedicated connections for blocking reads (./redis-blocking-pool.ts).
 *
 * Redis Cluster: every multi-key command stays within one hash slot. The per-tenant keys share the
 * tenant's hash tag (`evt:{<tenant>}:orders`, its `:dlq`, `lease:{<tenant>}:...`), so a stream, its
 * dead-letter stream and its leases live in one slot; commands that name streams of several tenants
 * (`XREADGROUP` over many streams) are split per slot by their callers ({@link slotOf}), and
 * `SCAN` runs on every master ({@link masters}).
 *
 * RESP2 on purpose: ioredis 6 defaults to RESP3, whose map replies (XREAD, XREADGROUP, XINFO) arrive
 * flattened; the slices parse the RESP2 array shapes documented by Redis. ioredis reconnects on its
 * own; commands sent while Redis is down reject (after `maxRetriesPerRequest`), and callers retry
 * from their last position.
 */
import { Cluster, Redis } from 'ioredis';
import keySlot from 'cluster-key-slot';
import type { DomainEvent } from '../domain-event';
import type { StreamEntry } from '../event-log';
import { BlockingPool, type CancellableRead } from './redis-blocking-pool';

/** A stream entry as Redis returns it in RESP2: its id and flat `[field, value, ...]` (null when the entry was deleted). */
export type RawEntry = [id: string, fields: string[] | null];

/** Where the event log's Redis is: one server, or the seed nodes of a Redis Cluster. */
export type RedisTarget = { url: string } | { clusterNodes: ReadonlyArray<{ host: string; port: number }> };

/** A client commands can be sent on (`call`, `eval`, `multi`, ...). */
export type RedisClient = Redis | Cluster;

/** Most ms a cluster read waits for the slot map before giving up (the caller retries). */
const SLOT_MAP_WAIT_MS = 5000;

/** See module doc. */
export class RedisConnection {
  private readonly client: RedisClient;
  /** True on a Redis Cluster. */
  readonly isCluster: boolean;
  private readonly blocking: BlockingPool;
  private closedFlag = false;

  constructor(target: RedisTarget) {
    const options = { protocol: 2 as const, maxRetriesPerRequest: 2, enableOfflineQueue: true };
    if ('clusterNodes' in target) {
      this.client = new Cluster([...target.clusterNodes], {
        redisOptions: options,
        scaleReads: 'master',
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        slotsRefreshTimeout: 2000,
      });
      this.isCluster = true;
    } else {
      this.client = new Redis(target.url, options);
      this.isCluster = false;
    }
    this.client.on('error', () => undefined);
    this.blocking = new BlockingPool(this.client);
  }

  /**
   * The client for non-blocking commands (routed by key on a cluster).
   * @throws Error `Connection is closed.` after {@link close}: a closed cluster client would queue
   *   some commands (`MULTI`) forever instead of rejecting them.
   */
  get commands(): RedisClient {
    if (this.closedFlag) throw new Error('Connection is closed.');
    return this.client;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** The hash slot of `key` on a cluster (commands may combine keys of one slot only); 0 on one server. */
  slotOf(key: string): number {
    return this.isCluster ? keySlot(key) : 0;
  }

  /** The masters to run keyless, per-node commands on (`SCAN`): every master of a cluster, or the one server. */
  masters(): Redis[] {
    return this.isCluster ? (this.commands as Cluster).nodes('master') : [this.commands as Redis];
  }

  /**
   * The connection the command client sends `key`'s commands on: the cluster's instance for the
   * master of its slot, or the one server's (for `WAIT`, which counts the replicas that received the
   * writes of that very connection).
   */
  async nodeClient(key: string): Promise<Redis> {
    if (!this.isCluster) return this.commands as Redis;
    const node = await this.nodeOf(key);
    const instance = (this.client as Cluster).nodes('master').find((n) => `${n.options.host}:${n.options.port}` === node);
    if (!instance) throw new Error(`No connection to the master ${node} of ${key}.`);
    return instance;
  }

  /** `host:port` of the master serving `key` (`''` on one server), once the slot map is known. */
  private async nodeOf(key: string): Promise<string> {
    if (!this.isCluster) return '';
    const cluster = this.client as Cluster;
    const deadline = Date.now() + SLOT_MAP_WAIT_MS;
    for (;;) {
      const node = cluster.slots[keySlot(key)]?.[0];
      if (node) return node;
      if (this.closedFlag || Date.now() > deadline) throw new Error(`No master serves the slot of ${key} (cluster not ready).`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Runs a read of keys of one slot (named by `key`): blocking (`blockMs` > 0) on a dedicated
   * connection to the master of that slot, otherwise on the command client. A blocking read cut
   * short by {@link close} answers `null` (no entries) instead of rejecting.
   * @throws the command's error; on a cluster an error also refreshes the slot map (a failover or a
   *   moved slot), so the caller's retry goes to the new master.
   */
  async read<T>(blockMs: number | undefined, key: string, fn: (conn: RedisClient) => Promise<T | null>): Promise<T | null> {
    if (!blockMs) return fn(this.commands);
    return this.readCancellable(blockMs, key, fn).result;
  }

  /** {@link read} with `blockMs` > 0, cancellable while it blocks (see ./redis-blocking-pool.ts). */
  readCancellable<T>(_blockMs: number, key: string, fn: (conn: RedisClient) => Promise<T | null>): CancellableRead<T> {
    let inner: CancellableRead<T> | undefined;
    let cancelled = false;
    const result = (async () => {
      if (this.closedFlag) return null;
      const node = await this.nodeOf(key);
      if (cancelled) return null;
      inner = this.blocking.run({ node }, fn);
      try {
        return await inner.result;
      } catch (err) {
        if (this.closedFlag) return null;
        if (this.isCluster) (this.client as Cluster).refreshSlotsCache();
        throw err;
      }
    })();
    return {
      result,
      cancel: () => {
        cancelled = true;
        inner?.cancel();
      },
    };
  }

  /** Closes every connection; blocking reads in progress return no entries. */
  async close(): Promise<void> {
    this.closedFlag = true;
    this.blocking.close();
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }
}

/** The entry's event, or undefined when the entry was deleted or its payload is not an event. */
export function toEntry([id, fields]: RawEntry): StreamEntry | undefined {
  if (!fields) return undefined;
  const at = fields.indexOf('event');
  if (at < 0 || at + 1 >= fields.length) return undefined;
  const event = parseEvent(fields[at + 1]!);
  return event ? { id, event } : undefined;
}

/** The event JSON `payload` holds, or undefined when it is not JSON of an object with a string `id`. */
export function parseEvent(payload: string): DomainEvent | undefined {
  try {
    const event = JSON.parse(payload) as DomainEvent;
    return event && typeof event === 'object' && typeof event.id === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}

/** Value of `name` in a flat RESP2 `[k1, v1, k2, v2, ...]` reply. */
export function field(reply: readonly unknown[], name: string): unknown {
  for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] === name) return reply[i + 1];
  return undefined;
}
