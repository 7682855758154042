/**
 * What row-level security costs per query, and what the per-tenant pools win back.
 * `npx tsx bench/rls.bench.ts [iterations]` (default 3000 per variant; not part of `npm test`).
 *
 * Starts an ephemeral embedded PostgreSQL, migrates and seeds it, then runs the same query (one
 * tenant's product page, the `products(first: 20)` statement) sequentially, one at a time, through:
 * - `unscoped`: the owner role (RLS bypassed), a plain Prisma call: the baseline;
 * - `per-transaction`: the app role, a tenant scope on the shared pool (BEGIN, set_config, query, COMMIT);
 * - `per-tenant pool`: the app role, a tenant scope on the tenant's own pool (tenant fixed at connect).
 * Prints the mean and p50/p99 latency of each and its ratio to the baseline. Ratios, not absolute
 * numbers, are what compare across machines.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDatabaseUrl } from '../lib/config';
import { buildDemoData } from '../lib/db/demo-data';
import { startEmbeddedPostgres } from '../lib/db/embedded-postgres';
import { migrate } from '../lib/db/migrate';
import { createPrismaClient, type PrismaClient } from '../lib/db/prisma-client';
import { seedDemoData } from '../lib/db/seed';
import { TenantDatabase } from '../lib/db/tenant-database';
import type { TenantClient } from '../lib/db/tenant-scope';
import { freePort } from '../test/support/redis-server';

const iterations = Number(process.argv[2] ?? 3000);

async function measure(name: string, run: () => Promise<unknown>): Promise<{ name: string; mean: number; p50: number; p99: number }> {
  for (let i = 0; i < Math.min(300, iterations); i++) await run(); // warm-up: connections, plans
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return {
    name,
    mean: times.reduce((s, t) => s + t, 0) / times.length,
    p50: times[Math.floor(times.length * 0.5)]!,
    p99: times[Math.floor(times.length * 0.99)]!,
  };
}

async function main(): Promise<void> {
  const db = await startEmbeddedPostgres({
    dataDir: mkdtempSync(join(tmpdir(), 'rls-bench-')),
    port: await freePort(),
    database: 'rls_bench',
    ephemeral: true,
  });
  const clients: PrismaClient[] = [];
  let pools: TenantDatabase | undefined;
  try {
    await migrate(db.url);
    await seedDemoData(db.url);
    const tenantId = buildDemoData().tenants.find((t) => t.slug === 'acme')!.id;
    const owner = createPrismaClient({ url: db.url, poolSize: 4 });
    const app = createPrismaClient({ url: appDatabaseUrl(db.url), poolSize: 4 });
    clients.push(owner, app);
    pools = new TenantDatabase({ shared: app, tenantPools: { url: appDatabaseUrl(db.url), poolSize: 4 } });
    const shared = new TenantDatabase({ shared: app }).forTenant(tenantId);
    if (!(await pools.ready())) throw new Error('per-tenant pools are not usable on this server');
    const own = pools.forTenant(tenantId);
    const page = (tx: TenantClient) =>
      tx.product.findMany({ where: { tenantId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 21 });
    const expected = (await page(owner)).length;
    for (const [label, rows] of [
      ['per-transaction', await shared.run(page)],
      ['per-tenant pool', await own.run(page)],
    ] as const) {
      if (rows.length !== expected) throw new Error(`${label} returned ${rows.length} rows, expected ${expected}`);
    }
    const results = [
      await measure('unscoped (owner, no RLS)', () => page(owner)),
      await measure('per-transaction (set_config, RLS)', () => shared.run(page)),
      await measure('per-tenant pool (options, RLS)', () => own.run(page)),
    ];
    const base = results[0]!.mean;
    console.log(`RLS cost per query, ${iterations} sequential queries each (products page of 20, Prisma + pg):\n`);
    console.log('variant                               mean µs    p50 µs    p99 µs   ratio');
    for (const r of results) {
      console.log(
        `${r.name.padEnd(36)} ${r.mean.toFixed(0).padStart(8)} ${r.p50.toFixed(0).padStart(9)} ${r.p99.toFixed(0).padStart(9)}   ${(r.mean / base).toFixed(2)}x`,
      );
    }
  } finally {
    await pools?.disconnect();
    for (const c of clients) await c.$disconnect();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
