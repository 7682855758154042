import { Client } from 'pg';
import { createPrismaClient } from '../../lib/db/prisma-client';
import { DEMO_TENANTS } from '../../lib/db/demo-data';
import { moveTenant, TenantMoveError, type MoveDatabases } from '../../lib/db/tenant-move';
import { RoutedTenantDatabase } from '../../lib/db/tenant-placement';
import { readTenantRows, setTenant, writeTenantRows } from '../../lib/db/tenant-rows';
import { appDatabaseUrl } from '../../lib/config';
import { startDedicatedDatabase, type DedicatedDatabase } from '../support/dedicated-database';
import { waitForOutboxDrained } from '../support/event-waits';
import { spawnTsx, waitUntil } from '../support/processes';
import { checksumOf } from '../support/tenant-traffic';
import { startTestStack, type TestStack } from '../support/test-stack';

const ACME = DEMO_TENANTS.find((t) => t.slug === 'acme')!.id;
const GLOBEX = DEMO_TENANTS.find((t) => t.slug === 'globex')!.id;

describe('tenant placement', () => {
  let stack: TestStack;
  let eu: DedicatedDatabase;
  let databases: MoveDatabases;
  let globexOwner: string;
  let globexProduct: string;

  const fence = (sql: DedicatedDatabase['sql'], tenantId: string, reason = 'moving') =>
    sql(`INSERT INTO tenant_write_fences (tenant_id, reason) VALUES ($1, $2)`, [tenantId, reason]);
  const fences = async () => ({
    shared: await stack.sql('SELECT tenant_id, reason FROM tenant_write_fences ORDER BY tenant_id'),
    eu: await eu.sql('SELECT tenant_id, reason FROM tenant_write_fences ORDER BY tenant_id'),
  });
  const euRows = async (tenantId: string) =>
    (await eu.sql<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE tenant_id = $1', [tenantId]))[0]!.n;

  beforeAll(async () => {
    eu = await startDedicatedDatabase('eu');
    stack = await startTestStack({ config: (c) => eu.configure(c) });
    databases = { shared: stack.databaseUrl, dedicated: { eu: eu.url } };
    globexOwner = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
    globexProduct = (
      await stack.sql<{ id: string }>('SELECT id FROM products WHERE tenant_id = $1 ORDER BY stock DESC LIMIT 1', [GLOBEX])
    )[0]!.id;
  });
  afterAll(async () => {
    await stack?.stop();
    await eu?.stop();
  });

  it('refuses an unknown tenant or target with a clear error and changes nothing', async () => {
    const before = { acme: await checksumOf(stack.databaseUrl, ACME), globex: await checksumOf(stack.databaseUrl, GLOBEX) };
    await expect(moveTenant(databases, 'nobody', 'eu', { settleMs: 0 })).rejects.toThrow(
      new TenantMoveError('Unknown tenant "nobody": no tenant has this slug.'),
    );
    await expect(moveTenant(databases, 'acme', 'mars', { settleMs: 0 })).rejects.toThrow(
      new TenantMoveError('Unknown target "mars": use "shared" or one of eu.'),
    );
    const env = { DATABASE_URL: stack.databaseUrl, TENANT_DATABASES: `eu=${eu.url}` };
    const cli = spawnTsx('scripts/tenant-move.ts', env, ['acme', 'mars']);
    expect((await cli.exited).code).toBe(1);
    expect(cli.output()).toContain('tenant:move: Unknown target "mars"');
    const usage = spawnTsx('scripts/tenant-move.ts', env, ['acme']);
    expect((await usage.exited).code).toBe(1);
    expect(usage.output()).toContain('usage: npm run tenant:move -- <tenant-slug> <shared|database-key>');

    expect({ acme: await checksumOf(stack.databaseUrl, ACME), globex: await checksumOf(stack.databaseUrl, GLOBEX) }).toEqual(before);
    expect(await fences()).toEqual({ shared: [], eu: [] });
    expect(await stack.sql('SELECT count(*)::int AS n FROM tenants WHERE database IS NOT NULL')).toEqual([{ n: 0 }]);
    expect(await eu.sql('SELECT count(*)::int AS n FROM tenants')).toEqual([{ n: 0 }]);
  });

  it('delays a write while its tenant is paused and runs it once the pause ends', async () => {
    const router = stack.database as RoutedTenantDatabase;
    const retried = router.placementStats.fencedRetries;
    await fence((t, p) => stack.sql(t, p), GLOBEX);
    const order = stack.placeOrder(globexOwner, globexProduct);
    await waitUntil(() => router.placementStats.fencedRetries > retried + 1, 'the write to be refused and retried');
    await stack.sql('DELETE FROM tenant_write_fences WHERE tenant_id = $1', [GLOBEX]);
    const { id } = await order;
    expect(await stack.sql('SELECT count(*)::int AS n FROM orders WHERE id = $1', [id])).toEqual([{ n: 1 }]);
  });

  it('answers TENANT_WRITES_PAUSED when the pause outlasts TENANT_WRITE_PAUSE_WAIT_MS, writing nothing', async () => {
    const shared = createPrismaClient({ url: appDatabaseUrl(stack.databaseUrl), poolSize: 2 });
    const router = new RoutedTenantDatabase({ shared }, { databases: { eu: appDatabaseUrl(eu.url) }, writePauseWaitMs: 300 });
    const stock = () => stack.sql('SELECT stock FROM products WHERE id = $1', [globexProduct]);
    const before = await stock();
    await fence((t, p) => stack.sql(t, p), GLOBEX);
    try {
      const write = router
        .forTenant(GLOBEX)
        .transaction((uow) =>
          uow.run((db) => db.product.updateMany({ where: { tenantId: GLOBEX, id: globexProduct }, data: { stock: 0 } })),
        );
      await expect(write).rejects.toMatchObject({ extensions: { code: 'TENANT_WRITES_PAUSED', retryAfter: 1 } });
      // Reads are never paused.
      expect(await router.forTenant(GLOBEX).run((db) => db.product.count({ where: { tenantId: GLOBEX } }))).toBe(30);
      expect(await stock()).toEqual(before);
    } finally {
      await stack.sql('DELETE FROM tenant_write_fences WHERE tenant_id = $1', [GLOBEX]);
      await router.disconnect();
      await shared.$disconnect();
    }
  });

  it('repairs an interrupted move when run again: the pause is lifted and leftover copies are deleted and fenced', async () => {
    // As if a move of globex to eu died after its copy committed, before the switch: globex paused
    // in the shared database, a full copy in eu, the directory still saying shared.
    await fence((t, p) => stack.sql(t, p), GLOBEX);
    const source = new Client({ connectionString: stack.databaseUrl });
    const target = new Client({ connectionString: eu.url });
    await Promise.all([source.connect(), target.connect()]);
    try {
      await source.query('BEGIN');
      await setTenant(source, GLOBEX);
      const rows = await readTenantRows(source, GLOBEX);
      await source.query('COMMIT');
      await writeTenantRows(target, rows, 'eu');
    } finally {
      await Promise.all([source.end(), target.end()]);
    }
    expect(await euRows(GLOBEX)).toBe(30);

    const report = await moveTenant(databases, 'globex', 'shared', { settleMs: 100 });
    expect(report).toMatchObject({ action: 'repaired', from: 'shared', to: 'shared', cleaned: ['eu'] });
    expect(await fences()).toEqual({ shared: [], eu: [{ tenant_id: GLOBEX, reason: 'moved' }] });
    expect(await euRows(GLOBEX)).toBe(0);
    expect(await eu.sql('SELECT count(*)::int AS n FROM tenants WHERE id = $1', [GLOBEX])).toEqual([{ n: 0 }]);
    const router = stack.database as RoutedTenantDatabase;
    const retried = router.placementStats.fencedRetries;
    await stack.placeOrder(globexOwner, globexProduct);
    expect(router.placementStats.fencedRetries).toBe(retried);
  });

  it("waits for the tenant's in-flight write transaction and copies what it committed", async () => {
    const app = new Client({ connectionString: appDatabaseUrl(stack.databaseUrl) });
    await app.connect();
    let move: Promise<unknown> | undefined;
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.tenant_id', $1, true)", [GLOBEX]);
      await app.query('UPDATE products SET stock = 4242 WHERE id = $1', [globexProduct]);
      move = moveTenant(databases, 'globex', 'eu', { settleMs: 100 });
      await waitUntil(async () => (await fences()).shared.length === 1, 'the move to pause globex');
      // The move waits for the open transaction: nothing is copied yet.
      expect(await eu.sql('SELECT count(*)::int AS n FROM tenants WHERE id = $1', [GLOBEX])).toEqual([{ n: 0 }]);
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
    await expect(move).resolves.toMatchObject({ action: 'moved', to: 'eu' });
    expect(await eu.sql('SELECT stock FROM products WHERE id = $1', [globexProduct])).toEqual([{ stock: 4242 }]);
    expect(await moveTenant(databases, 'globex', 'shared', { settleMs: 100 })).toMatchObject({ action: 'moved' });
    expect(await stack.sql('SELECT stock FROM products WHERE id = $1', [globexProduct])).toEqual([{ stock: 4242 }]);
  });

  it('is safe to run twice: a second run of a finished move changes nothing', async () => {
    // The orders placed above are published and notified (their rows stop changing) first.
    await waitForOutboxDrained((text) => stack.sql(text));
    await waitUntil(
      async () =>
        (
          await stack.sql<{ n: number }>(
            'SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1 AND source_event_id IS NOT NULL',
            [GLOBEX],
          )
        )[0]!.n === 2,
      'a notification per globex order placed here',
    );
    await waitForOutboxDrained((text) => stack.sql(text));
    const sum = await checksumOf(stack.databaseUrl, GLOBEX);
    expect(await moveTenant(databases, 'globex', 'eu', { settleMs: 100 })).toMatchObject({ action: 'moved', checksum: sum });
    expect(await moveTenant(databases, 'globex', 'eu', { settleMs: 100 })).toMatchObject({
      action: 'repaired',
      checksum: sum,
      cleaned: [],
    });
    expect(await checksumOf(eu.url, GLOBEX)).toBe(sum);
    expect(await fences()).toEqual({ shared: [{ tenant_id: GLOBEX, reason: 'moved' }], eu: [] });
    expect(await moveTenant(databases, 'globex', 'shared', { settleMs: 100 })).toMatchObject({ action: 'moved', checksum: sum });
    expect(await checksumOf(stack.databaseUrl, GLOBEX)).toBe(sum);
    expect(await fences()).toEqual({ shared: [], eu: [{ tenant_id: GLOBEX, reason: 'moved' }] });
  });
});
