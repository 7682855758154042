/**
 * Where automatic persisted queries (trusted-documents.ts) are kept: in Redis when the gateway has
 * one (key `apq:<sha256>`, kept {@link PersistedQueryStoreOptions.ttlSeconds}), so every replica
 * knows a document any replica was sent, else in an LRU in this process. A store that does not
 * answer within {@link PersistedQueryStoreOptions.timeoutMs} counts as a miss (the client then sends
 * the text), never as a failed request.
 */
import type { RedisClient } from '../../lib/events/redis/redis-connection';
import { LRUCache } from 'lru-cache';

/** Documents by SHA-256. */
export interface PersistedQueryStore {
  get(hash: string): Promise<string | undefined>;
  set(hash: string, query: string): Promise<void>;
}

/** Options of {@link createPersistedQueryStore}. */
export interface PersistedQueryStoreOptions {
  /** Redis shared by the replicas; absent = in process. */
  redis?: RedisClient;
  /** Seconds a document stays in Redis after it was last stored (default 7 days). */
  ttlSeconds?: number;
  /** Most milliseconds to wait for Redis (default 500). */
  timeoutMs?: number;
  /** Characters of documents kept in process (default 10 million). */
  maxCharacters?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

/** The store of the module doc. */
export function createPersistedQueryStore(options: PersistedQueryStoreOptions = {}): PersistedQueryStore {
  const { redis } = options;
  if (!redis) {
    const lru = new LRUCache<string, string>({
      maxSize: options.maxCharacters ?? 10_000_000,
      sizeCalculation: (v) => Math.max(1, v.length),
    });
    return {
      get: async (hash) => lru.get(hash),
      set: async (hash, query) => void lru.set(hash, query),
    };
  }
  const timeoutMs = options.timeoutMs ?? 500;
  const ttl = options.ttlSeconds ?? 7 * 24 * 3600;
  return {
    get: (hash) =>
      withTimeout(
        redis.get(`apq:${hash}`).then((v) => v ?? undefined),
        timeoutMs,
        undefined,
      ),
    set: (hash, query) =>
      withTimeout(
        redis.set(`apq:${hash}`, query, 'EX', ttl).then(() => undefined),
        timeoutMs,
        undefined,
      ),
  };
}
