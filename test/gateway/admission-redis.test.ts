/**
 * The admission pipeline's Redis client (gateway/admission/admission-redis.ts) with the request
 * budgets on it, on a real redis-server and a real Redis Cluster (the global setup's): the budgets'
 * counters live in Redis, so a second replica sees what the first one spent (the budgets would fall
 * back to in-process counters, silently, if the commands failed), and one operation's budget
 * windows leave in one pipelined write.
 */
import type { Redis } from 'ioredis';
import { connectAdmissionRedis } from '../../gateway/admission/admission-redis';
import { RequestBudgets } from '../../gateway/admission/request-budgets';
import type { TenantPlan } from '../../gateway/admission/tenant-plans';
import type { RedisClient } from '../../lib/events/redis/redis-connection';
import type { Principal } from '../../lib/principal';
import { randomUUID as randomUuid } from 'node:crypto';
import { REDIS_BACKENDS, redisTarget } from '../support/redis-backends';

/** 60 operations per minute: a one-second window of 2 (request-budgets.ts, `BURST_SHARE`). */
const PLAN: TenantPlan = { name: 'test', requestsPerMinute: 60, costPerMinute: 1_000_000 };
const USER = { requestsPerMinute: 10_000, costPerMinute: 1_000_000 };

const principal = (): Principal => ({ tenantId: randomUuid(), userId: randomUuid(), scopes: [], requestId: 'test' });

describe.each(REDIS_BACKENDS)('connectAdmissionRedis on %s', (backend) => {
  const clients: RedisClient[] = [];
  const connect = async () => {
    const client = connectAdmissionRedis(redisTarget(backend));
    clients.push(client);
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
    return client;
  };

  afterAll(() => {
    for (const c of clients) c.disconnect();
  });

  it("keeps the budgets in Redis: a second replica refuses once the first spent the tenant's window", async () => {
    const [a, b] = [new RequestBudgets({ redis: await connect(), user: USER }), new RequestBudgets({ redis: await connect(), user: USER })];
    const p = principal();
    expect(await a.charge(p, PLAN, 1)).toBeUndefined();
    expect(await a.charge(p, PLAN, 1)).toBeUndefined();
    const refused = await b.charge(p, PLAN, 1);
    expect(refused?.extensions.code).toBe('RATE_LIMITED');
    // Another tenant is not affected.
    expect(await b.charge(principal(), PLAN, 1)).toBeUndefined();
  });

  if (backend === 'redis') {
    it("sends one operation's eight budget windows in one write", async () => {
      const client = await connect();
      const budgets = new RequestBudgets({ redis: client, user: USER });
      await budgets.charge(principal(), PLAN, 1); // loads the script (EVALSHA answers NOSCRIPT once)
      const stream = (client as Redis).stream;
      const write = stream.write.bind(stream);
      let writes = 0;
      stream.write = ((...args: Parameters<typeof write>) => {
        writes++;
        return write(...args);
      }) as typeof stream.write;
      try {
        expect(await budgets.charge(principal(), PLAN, 1)).toBeUndefined();
      } finally {
        stream.write = write;
      }
      expect(writes).toBe(1);
    });
  }
});
