/**
 * Jest global setup: one embedded PostgreSQL (migrated, demo data seeded into a template database),
 * one redis-server and one Redis Cluster (three masters, one replica each) for the run. Each test
 * file copies the template into its own database (test/support/test-stack.ts), so files never see
 * each other's writes. Says in one line which Debian packages to install when a program is missing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../lib/db/embedded-postgres';
import { migrate } from '../../lib/db/migrate';
import { seedDemoData } from '../../lib/db/seed';
import { missingPrerequisites } from './prerequisites';
import { startRedisCluster } from './redis-cluster';
import { freePort, startRedisServer } from './redis-server';

export default async function globalSetup(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing) {
    console.error(`\n${missing}\n`);
    process.exit(1);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'supergraph-test-pg-'));
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'template_supergraph', ephemeral: true });
  await migrate(db.url);
  await seedDemoData(db.url);
  const [redis, cluster] = await Promise.all([startRedisServer(), startRedisCluster()]);
  process.env.TEST_TEMPLATE_DATABASE_URL = db.url;
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_REDIS_CLUSTER_NODES = cluster.seeds;
  process.env.NODE_ENV = 'test';
  (globalThis as Record<string, unknown>).__SUPERGRAPH_TEST__ = { db, redis, cluster };
}
