/**
 * Jest global setup: one embedded PostgreSQL (migrated, demo data seeded into a template database)
 * and one redis-server for the run. Each test file copies the template into its own database
 * (test/support/test-stack.ts), so files never see each other's writes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../lib/db/embedded-postgres';
import { migrate } from '../../lib/db/migrate';
import { seedDemoData } from '../../lib/db/seed';
import { missingPrerequisites } from './prerequisites';
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
  const redis = await startRedisServer();
  process.env.TEST_TEMPLATE_DATABASE_URL = db.url;
  process.env.TEST_REDIS_URL = redis.url;
  process.env.NODE_ENV = 'test';
  (globalThis as Record<string, unknown>).__SUPERGRAPH_TEST__ = { db, redis };
}
