/**
 * Many small tenants for scale tests and benchmarks: tenant n (1-based) is `scale-<n>` ("Scale
 * tenant <n>", plan `standard`) with one owner `owner@scale-<n>.test` holding every tenant scope and
 * {@link SCALE_PRODUCTS} products `SCALE-1`.. (price 10.01.. USD). Ids are name-based
 * ({@link scaleTenant}), so a caller knows them without reading the database; seeding is idempotent.
 *
 * `npm run seed:tenants -- <count>` seeds tenants 1..count into `DATABASE_URL` (default: the
 * embedded PostgreSQL of `npm start`, which must be running). It writes as the database owner in one
 * transaction; the owner must bypass row-level security (a superuser, as the embedded PostgreSQL's
 * user is), since the rows belong to thousands of tenants at once.
 */
import { Client } from 'pg';
import { loadConfig } from '../lib/config';
import { demoId, TENANT_SCOPES } from '../lib/db/demo-data';
import { embeddedDatabaseUrl } from '../lib/db/embedded-postgres';

/** Products of each scale tenant. */
export const SCALE_PRODUCTS = 3;

/** Tenant n of the scale data set, with its owner. */
export interface ScaleTenant {
  n: number;
  id: string;
  slug: string;
  userId: string;
  email: string;
}

/** Tenant `n` (1-based) of the scale data set. */
export function scaleTenant(n: number): ScaleTenant {
  return { n, id: demoId(`scale-tenant-${n}`), slug: `scale-${n}`, userId: demoId(`scale-user-${n}`), email: `owner@scale-${n}.test` };
}

/** Id of product `p` (1..{@link SCALE_PRODUCTS}) of scale tenant `n`. */
export function scaleProductId(n: number, p: number): string {
  return demoId(`scale-product-${n}-${p}`);
}

/** Runs one parameterised statement (a `pg` client's `query`, or a test stack's `sql`). */
export type SqlRunner = (text: string, params?: unknown[]) => Promise<unknown>;

/**
 * Seeds tenants `1..count` (those already there are kept as they are) in batches of 2,000 tenants,
 * then refreshes the planner statistics of the tables it wrote (`ANALYZE`).
 * @returns the tenants, in order.
 */
export async function seedManyTenants(sql: SqlRunner, count: number): Promise<ScaleTenant[]> {
  const tenants = Array.from({ length: count }, (_, i) => scaleTenant(i + 1));
  for (let from = 0; from < count; from += 2_000) {
    const batch = tenants.slice(from, from + 2_000);
    await sql(
      `INSERT INTO tenants (id, slug, name, plan)
       SELECT id, slug, 'Scale tenant ' || n, 'standard' FROM unnest($1::uuid[], $2::text[], $3::int[]) AS t(id, slug, n)
       ON CONFLICT DO NOTHING`,
      [batch.map((t) => t.id), batch.map((t) => t.slug), batch.map((t) => t.n)],
    );
    await sql(
      `INSERT INTO users (id, tenant_id, email, name, scopes)
       SELECT id, tenant_id, email, 'Owner ' || n, $5::text[] FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[]) AS u(id, tenant_id, email, n)
       ON CONFLICT DO NOTHING`,
      [batch.map((t) => t.userId), batch.map((t) => t.id), batch.map((t) => t.email), batch.map((t) => t.n), TENANT_SCOPES],
    );
    const products = batch.flatMap((t) => Array.from({ length: SCALE_PRODUCTS }, (_, i) => ({ t, p: i + 1 })));
    await sql(
      `INSERT INTO products (id, tenant_id, sku, name, price_amount, price_currency, stock)
       SELECT id, tenant_id, 'SCALE-' || p, 'Product ' || p, 1000 + p, 'USD', 10 * p FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS x(id, tenant_id, p)
       ON CONFLICT DO NOTHING`,
      [products.map(({ t, p }) => scaleProductId(t.n, p)), products.map(({ t }) => t.id), products.map(({ p }) => p)],
    );
  }
  // Fresh planner statistics: without them the first queries after a bulk load may scan.
  await sql('ANALYZE tenants, users, products');
  return tenants;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  if (!Number.isInteger(count) || count < 1) {
    console.error('Usage: npm run seed:tenants -- <count>   (default 10000)');
    process.exit(2);
  }
  const config = loadConfig();
  const client = new Client({ connectionString: config.database.url ?? embeddedDatabaseUrl(config.database.embeddedPort) });
  await client.connect();
  try {
    await client.query('BEGIN');
    await seedManyTenants((text, params) => client.query(text, params), count);
    await client.query('COMMIT');
    console.log(`Seeded tenants scale-1 .. scale-${count} (owner@scale-<n>.test; npm run token works only for the demo users).`);
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
