/**
 * The event-log contract (./event-log.contract.ts) against both implementations: Redis (the real
 * redis-server of the global setup, and its real Redis Cluster of three masters with a replica
 * each) and the in-process log. All must answer the same.
 */
import { Cluster, Redis } from 'ioredis';
import { MemoryEventLog } from '../../lib/events/memory/memory-event-log';
import { RedisEventLog } from '../../lib/events/redis/redis-event-log';
import { describeEventLogContract } from './event-log.contract';

/** Raw client for the trim hook (`XTRIM ... MAXLEN = n`: exact, unlike the log's `MAXLEN ~`). */
let redis: Redis;
let cluster: Cluster;
const clusterNodes = () =>
  process.env.TEST_REDIS_CLUSTER_NODES!.split(',').map((seed) => ({ host: seed.split(':')[0]!, port: Number(seed.split(':')[1]) }));
beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!);
  cluster = new Cluster(clusterNodes());
});
afterAll(() => {
  redis.disconnect();
  cluster.disconnect();
});

describeEventLogContract('RedisEventLog', (options) => ({
  log: new RedisEventLog(process.env.TEST_REDIS_URL!, options?.retention),
  async trim(stream, maxLen) {
    await redis.xtrim(stream, 'MAXLEN', '=', maxLen);
  },
}));

describeEventLogContract('RedisEventLog on a Redis Cluster', (options) => ({
  log: new RedisEventLog({ clusterNodes: clusterNodes() }, options?.retention),
  async trim(stream, maxLen) {
    await cluster.xtrim(stream, 'MAXLEN', '=', maxLen);
  },
}));

describeEventLogContract('MemoryEventLog', (options) => {
  const log = new MemoryEventLog(options?.retention);
  return {
    log,
    async trim(stream, maxLen) {
      log.trim(stream, maxLen);
    },
  };
});
