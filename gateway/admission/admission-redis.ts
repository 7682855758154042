/**
 * The Redis client of the admission pipeline's shared state (request budgets, automatic persisted
 * queries): one server or a Redis Cluster (the budgets' and documents' keys are single-key
 * commands, routed by hash slot). It fails fast while Redis is down (no offline queue, one retry),
 * so an outage costs a request at most one short wait: the budgets then count in process and the
 * persisted-query store misses (request-budgets.ts, persisted-query-store.ts).
 *
 * Commands are auto-pipelined (ioredis `enableAutoPipelining`): those issued in the same turn of the
 * event loop leave in one write, so the eight budget windows an operation charges at once
 * (request-budgets.ts) cost one socket write instead of eight. This connection runs no
 * blocking command, which auto-pipelining would hold up.
 */
import { Cluster, Redis } from 'ioredis';
import type { RedisClient, RedisTarget } from '../../lib/events/redis/redis-connection';

/** Connects to `target`; disconnect the result when the gateway stops. Connection errors are not thrown (ioredis reconnects). */
export function connectAdmissionRedis(target: RedisTarget): RedisClient {
  const options = { protocol: 2 as const, enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true };
  const client =
    'clusterNodes' in target
      ? new Cluster([...target.clusterNodes], {
          redisOptions: options,
          enableOfflineQueue: false,
          scaleReads: 'master',
          enableAutoPipelining: true,
        })
      : new Redis(target.url, options);
  client.on('error', () => undefined); // reconnects by itself; readiness reports the outage
  return client;
}
