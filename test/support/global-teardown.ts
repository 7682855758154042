import type { EmbeddedDatabase } from '../../lib/db/embedded-postgres';
import type { RedisCluster } from './redis-cluster';
import type { RedisServer } from './redis-server';

/** Stops what test/support/global-setup.ts started. */
export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__SUPERGRAPH_TEST__ as
    { db: EmbeddedDatabase; redis: RedisServer; cluster: RedisCluster } | undefined;
  await state?.redis.stop();
  await state?.cluster.stop();
  await state?.db.stop();
}
