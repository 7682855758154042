import { Client } from 'pg';
import { appDatabaseUrl } from '../../lib/config';
import { DEMO_TENANTS } from '../../lib/db/demo-data';
import { moveTenant, type MoveDatabases } from '../../lib/db/tenant-move';
import { startDedicatedDatabase, type DedicatedDatabase } from '../support/dedicated-database';
import { waitForOutboxDrained } from '../support/event-waits';
import { spawnTsx, waitUntil } from '../support/processes';
import { checksumOf, startTraffic, tenantView } from '../support/tenant-traffic';
import { startTestStack, subscribe, type SubscriptionProbe, type TestStack } from '../support/test-stack';

const ACME = DEMO_TENANTS.find((t) => t.slug === 'acme')!.id;
const GLOBEX = DEMO_TENANTS.find((t) => t.slug === 'globex')!.id;
const ORDER_UPDATED = 'subscription { orderUpdated { id number status } }';

interface OrderMessage {
  data: { orderUpdated: { id: string; status: string } };
  extensions: { cursor: string };
}

describe('tenant placement', () => {
  let stack: TestStack;
  let eu: DedicatedDatabase;
  let databases: MoveDatabases;
  let acmeOwner: string;
  let globexOwner: string;
  let acmeProduct: string;
  let globexProduct: string;
  let orders: SubscriptionProbe;
  /** Every acme order placed, in order: the subscription must deliver exactly these. */
  const placed: string[] = [];

  const rowsIn = async (sql: DedicatedDatabase['sql'], tenantId: string) =>
    (
      await sql<{ n: number }>(
        `SELECT ((SELECT count(*) FROM users WHERE tenant_id = $1) + (SELECT count(*) FROM products WHERE tenant_id = $1)
              + (SELECT count(*) FROM orders WHERE tenant_id = $1) + (SELECT count(*) FROM notifications WHERE tenant_id = $1)
              + (SELECT count(*) FROM outbox WHERE tenant_id = $1))::int AS n`,
        [tenantId],
      )
    )[0]!.n;
  const sharedSql: DedicatedDatabase['sql'] = (text, params) => stack.sql(text, params);
  /** Waits until both databases' outboxes are published and every acme order has its notification. */
  const quiet = async () => {
    await waitForOutboxDrained((text) => stack.sql(text));
    await waitForOutboxDrained((text) => eu.sql(text));
    const notified = async (sql: DedicatedDatabase['sql']) =>
      (
        await sql<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1 AND source_event_id IS NOT NULL`, [
          ACME,
        ])
      )[0]!.n;
    await waitUntil(async () => (await notified(sharedSql)) + (await notified(eu.sql)) >= placed.length, 'a notification per acme order');
    await waitForOutboxDrained((text) => stack.sql(text));
    await waitForOutboxDrained((text) => eu.sql(text));
  };
  /** The subscription received exactly the placed orders, once each, in order, with increasing cursors. */
  const expectEveryOrderOnce = async () => {
    const messages = (await orders.waitFor(placed.length)) as unknown as OrderMessage[];
    await quiet();
    expect(messages.map((m) => m.data.orderUpdated.id)).toEqual(placed);
    const cursors = messages.map((m) => m.extensions.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
  };

  beforeAll(async () => {
    eu = await startDedicatedDatabase('eu');
    stack = await startTestStack({ config: (c) => eu.configure(c) });
    databases = { shared: stack.databaseUrl, dedicated: { eu: eu.url } };
    acmeOwner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    globexOwner = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
    const top = async (tenantId: string) =>
      (await stack.sql<{ id: string }>('SELECT id FROM products WHERE tenant_id = $1 ORDER BY stock DESC LIMIT 1', [tenantId]))[0]!.id;
    acmeProduct = await top(ACME);
    globexProduct = await top(GLOBEX);
    // A real graphql-ws subscription opened before any move; it must see every acme order once.
    orders = subscribe(stack.wsClient(acmeOwner), ORDER_UPDATED);
    await stack.waitForLiveSubscriptions(1);
    placed.push((await stack.placeOrder(acmeOwner, acmeProduct)).id);
    await orders.waitFor(1);
  });
  afterAll(async () => {
    await stack?.stop();
    await eu?.stop();
  });

  it('moves acme to a dedicated database with all its data while globex keeps working, and its events continue', async () => {
    await quiet();
    const before = await tenantView(stack, acmeOwner);
    const sumBefore = await checksumOf(stack.databaseUrl, ACME);
    const globexBefore = await checksumOf(stack.databaseUrl, GLOBEX);
    const globex = startTraffic(stack, globexOwner);
    await waitUntil(() => globex.requests >= 3, 'globex traffic');

    const report = await moveTenant(databases, 'acme', 'eu', { settleMs: 500 });
    const traffic = await globex.stop();

    expect(traffic.errors).toEqual([]);
    expect(report).toMatchObject({ tenantId: ACME, from: 'shared', to: 'eu', action: 'moved', checksum: sumBefore });
    expect(report.rows).toMatchObject({ tenants: 1, users: 2, products: 30, orders: 13 });
    expect(await checksumOf(eu.url, ACME)).toBe(sumBefore);
    expect(await tenantView(stack, acmeOwner)).toEqual(before);
    expect(await rowsIn(sharedSql, ACME)).toBe(0);
    expect(await stack.sql('SELECT database FROM tenants WHERE id = $1', [ACME])).toEqual([{ database: 'eu' }]);
    expect(await stack.sql('SELECT reason FROM tenant_write_fences WHERE tenant_id = $1', [ACME])).toEqual([{ reason: 'moved' }]);
    expect(await eu.sql('SELECT count(*)::int AS n FROM tenant_write_fences')).toEqual([{ n: 0 }]);
    // The other tenant never noticed: its rows are where they were, untouched, and none went to eu.
    expect(await checksumOf(stack.databaseUrl, GLOBEX)).toBe(globexBefore);
    expect(await rowsIn(eu.sql, GLOBEX)).toBe(0);

    // New orders land in the dedicated database, and the subscription opened before the move gets them.
    placed.push((await stack.placeOrder(acmeOwner, acmeProduct)).id);
    placed.push((await stack.placeOrder(acmeOwner, acmeProduct)).id);
    expect(await eu.sql('SELECT count(*)::int AS n FROM orders WHERE id = ANY($1)', [placed.slice(1)])).toEqual([{ n: 2 }]);
    expect(await stack.sql('SELECT count(*)::int AS n FROM orders WHERE id = ANY($1)', [placed.slice(1)])).toEqual([{ n: 0 }]);
    await expectEveryOrderOnce();
    expect(
      await eu.sql('SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1 AND order_id = ANY($2)', [ACME, placed]),
    ).toEqual([{ n: 3 }]);
  });

  it('refuses writes of a moved tenant in the database it left (a process with a stale placement cannot write there)', async () => {
    const app = new Client({ connectionString: appDatabaseUrl(stack.databaseUrl) });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.tenant_id', $1, true)", [ACME]);
      await expect(app.query('INSERT INTO order_counters (tenant_id, last_number) VALUES ($1, 1)', [ACME])).rejects.toMatchObject({
        code: 'SGF01',
      });
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
  });

  it('moves acme back to the shared database with npm run tenant:move while both tenants write, losing no write and no event', async () => {
    const acme = startTraffic(stack, acmeOwner, acmeProduct);
    const globex = startTraffic(stack, globexOwner, globexProduct);
    await waitUntil(() => acme.requests >= 4 && globex.requests >= 4, 'traffic of both tenants');
    const move = spawnTsx(
      'scripts/tenant-move.ts',
      { DATABASE_URL: stack.databaseUrl, TENANT_DATABASES: `eu=${eu.url}`, TENANT_PLACEMENT_TTL_MS: '300' },
      ['acme', 'shared'],
    );
    const exit = await move.exited;
    await waitUntil(() => acme.requests >= 8, 'acme traffic after the move');
    const [acmeTraffic, globexTraffic] = await Promise.all([acme.stop(), globex.stop()]);

    expect({ exit: exit.code, output: move.output() }).toMatchObject({ exit: 0, output: expect.stringContaining('moved acme') });
    expect(acmeTraffic.errors).toEqual([]);
    expect(globexTraffic.errors).toEqual([]);
    placed.push(...acmeTraffic.orders);
    placed.push((await stack.placeOrder(acmeOwner, acmeProduct)).id);

    expect(await stack.sql('SELECT database FROM tenants WHERE id = $1', [ACME])).toEqual([{ database: null }]);
    expect(await stack.sql('SELECT count(*)::int AS n FROM tenant_write_fences WHERE tenant_id = $1', [ACME])).toEqual([{ n: 0 }]);
    expect(await eu.sql('SELECT reason FROM tenant_write_fences WHERE tenant_id = $1', [ACME])).toEqual([{ reason: 'moved' }]);
    expect(await eu.sql('SELECT count(*)::int AS n FROM tenants WHERE id = $1', [ACME])).toEqual([{ n: 0 }]);
    expect(await rowsIn(eu.sql, ACME)).toBe(0);
    expect(await stack.sql('SELECT count(*)::int AS n FROM orders WHERE id = ANY($1)', [placed])).toEqual([{ n: placed.length }]);
    await expectEveryOrderOnce();
    const view = (await tenantView(stack, acmeOwner)) as { orders: { totalCount: number }; notifications: { totalCount: number } };
    expect(view.orders.totalCount).toBe(12 + placed.length);
    expect(await stack.sql('SELECT count(*)::int AS n FROM notifications WHERE order_id = ANY($1)', [placed])).toEqual([
      { n: placed.length },
    ]);
  });
});
