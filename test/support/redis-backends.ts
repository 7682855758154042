/**
 * The two Redis deployments the event path runs on, for tests that run the same suite on both: one
 * redis-server, and a Redis Cluster of three masters with a replica each (both started by the global
 * setup: `TEST_REDIS_URL`, `TEST_REDIS_CLUSTER_NODES`).
 */
import { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from '../../lib/events/redis/redis-connection';

/** Which Redis a suite runs on. */
export type RedisBackend = 'redis' | 'cluster';

/** Both, for `describe.each`. */
export const REDIS_BACKENDS: readonly RedisBackend[] = ['redis', 'cluster'];

/** `host:port,...` as ioredis seeds. */
export function parseSeeds(seeds: string): Array<{ host: string; port: number }> {
  return seeds.split(',').map((seed) => {
    const [host, port] = seed.trim().split(':');
    return { host: host!, port: Number(port) };
  });
}

/** Where the global setup's Redis of `backend` is, for `new RedisEventLog(...)`. */
export function redisTarget(backend: RedisBackend): RedisTarget {
  const url = process.env.TEST_REDIS_URL;
  const seeds = process.env.TEST_REDIS_CLUSTER_NODES;
  if (!url || !seeds) throw new Error('Run the tests with jest (npm test): the global setup starts Redis.');
  return backend === 'cluster' ? { clusterNodes: parseSeeds(seeds) } : { url };
}

/**
 * A raw client of `backend` for assertions (a `Cluster` routes every keyed command like a `Redis`;
 * typed as `Redis` for the command methods both share). Disconnect it when done.
 */
export function rawRedis(backend: RedisBackend): Redis {
  const target = redisTarget(backend);
  const client = 'url' in target ? new Redis(target.url) : new Cluster([...target.clusterNodes]);
  return client as Redis;
}

/** Deletes every key of `client`'s Redis (every master of a cluster). */
export async function flushAll(client: Redis): Promise<void> {
  const cluster = client as unknown as Cluster;
  if (cluster.isCluster) {
    // The node list is only right once the slot map is loaded (before, it holds the seeds).
    if (cluster.status !== 'ready') await new Promise((resolve) => cluster.once('ready', resolve));
    await Promise.all(cluster.nodes('master').map((n) => n.flushall()));
  } else await client.flushall();
}
