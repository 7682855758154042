import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { devTokenSettings, signDevToken } from '../../lib/auth/dev-token';
import { appDatabaseUrl } from '../../lib/config';
import { TENANT_SCOPES } from '../../lib/db/demo-data';
import { startDedicatedDatabase, type DedicatedDatabase } from '../support/dedicated-database';
import { waitUntil } from '../support/processes';
import { startTestStack, type TestStack } from '../support/test-stack';

const CREATE_TENANT = 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id slug name } }';
const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id email } }';
const CREATE_PRODUCT = 'mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku } }';
const DASHBOARD = `{
  tenant { slug name }
  products(first: 10) { edges { node { sku stock } } }
  orders(first: 10) { edges { node { number status total { amount } } } }
  notifications(first: 10) { edges { node { title } } }
}`;

/** Rows of `tenantId` per tenant-owned table in a database (owner, past row-level security). */
async function countRows(sql: DedicatedDatabase['sql'], tenantId: string): Promise<Record<string, number>> {
  const tables = ['users', 'products', 'orders', 'order_lines', 'notifications', 'outbox'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE tenant_id = $1`, [tenantId]))[0]!.n;
  return out;
}

describe('tenant placement', () => {
  let stack: TestStack;
  let eu: DedicatedDatabase;
  let admin: string;

  beforeAll(async () => {
    eu = await startDedicatedDatabase('eu');
    stack = await startTestStack({ config: (c) => eu.configure(c) });
    admin = await stack.token({ tenant: 'platform', user: 'admin@platform.test' });
  });
  afterAll(async () => {
    await stack?.stop();
    await eu?.stop();
  });

  it('creates a tenant in a dedicated database: its rows land only there, events flow, and the directory names its database', async () => {
    const created = await stack.gql<{ createTenant: { id: string; slug: string } }>(
      CREATE_TENANT,
      { input: { slug: 'initech', name: 'Initech', database: 'eu' } },
      { token: admin },
    );
    expect(created.body.errors).toBeUndefined();
    const tenantId = created.body.data!.createTenant.id;
    expect(await stack.sql('SELECT database FROM tenants WHERE id = $1', [tenantId])).toEqual([{ database: 'eu' }]);
    expect(await eu.sql('SELECT slug, name FROM tenants WHERE id = $1', [tenantId])).toEqual([{ slug: 'initech', name: 'Initech' }]);

    const settings = devTokenSettings(stack.config.jwt);
    const bootstrap = await signDevToken(
      { tenantId, userId: randomUUID(), email: 'bootstrap@initech.test', scope: 'tenant:admin' },
      settings,
    );
    const user = await stack.gql<{ createUser: { id: string } }>(
      CREATE_USER,
      { input: { email: 'owner@initech.test', name: 'Owner', scopes: TENANT_SCOPES } },
      { token: bootstrap },
    );
    expect(user.body.errors).toBeUndefined();
    const owner = await signDevToken(
      { tenantId, userId: user.body.data!.createUser.id, email: 'owner@initech.test', scope: TENANT_SCOPES.join(' ') },
      settings,
    );
    const product = await stack.gql<{ createProduct: { id: string } }>(
      CREATE_PRODUCT,
      { input: { sku: 'INI-1', name: 'Stapler', price: { amount: 1299, currency: 'EUR' }, stock: 5 } },
      { token: owner },
    );
    expect(product.body.errors).toBeUndefined();
    const order = await stack.placeOrder(owner, product.body.data!.createProduct.id, 2);

    // The order's event went through the dedicated database's outbox, its relay and the
    // notifications consumer, which wrote the notification there too.
    await waitUntil(
      async () =>
        (await eu.sql<{ n: number }>('SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1', [tenantId]))[0]!.n === 1,
      'the notification of the order in the dedicated database',
    );
    const dashboard = await stack.gql<{
      tenant: { slug: string };
      products: { edges: Array<{ node: { sku: string; stock: number } }> };
      orders: { edges: Array<{ node: { number: string } }> };
      notifications: { edges: Array<{ node: { title: string } }> };
    }>(DASHBOARD, {}, { token: owner });
    expect(dashboard.body.errors).toBeUndefined();
    expect(dashboard.body.data!.tenant.slug).toBe('initech');
    expect(dashboard.body.data!.products.edges.map((e) => e.node)).toEqual([{ sku: 'INI-1', stock: 3 }]);
    expect(dashboard.body.data!.orders.edges.map((e) => e.node.number)).toEqual([order.number]);
    expect(dashboard.body.data!.notifications.edges.map((e) => e.node.title)).toEqual([`Order ${order.number} placed`]);

    expect(await countRows(eu.sql, tenantId)).toEqual({ users: 1, products: 1, orders: 1, order_lines: 1, notifications: 1, outbox: 2 });
    expect(await countRows((t, p) => stack.sql(t, p), tenantId)).toEqual({
      users: 0,
      products: 0,
      orders: 0,
      order_lines: 0,
      notifications: 0,
      outbox: 0,
    });
    expect(await eu.sql('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).toEqual([{ n: 0 }]);
  });

  it('keeps row-level security on in the dedicated database: the app role sees one tenant at a time, and nothing without one', async () => {
    const [initech] = await eu.sql<{ id: string }>("SELECT id FROM tenants WHERE slug = 'initech'");
    const forced = await eu.sql(
      "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname = ANY($1) AND relrowsecurity AND relforcerowsecurity",
      [['tenants', 'users', 'products', 'order_counters', 'orders', 'order_lines', 'notifications', 'outbox']],
    );
    expect(forced).toHaveLength(8);
    const app = new Client({ connectionString: appDatabaseUrl(eu.url) });
    await app.connect();
    try {
      expect((await app.query('SELECT current_user AS u')).rows).toEqual([{ u: 'supergraph_app' }]);
      expect((await app.query('SELECT count(*)::int AS n FROM products')).rows).toEqual([{ n: 0 }]);
      const countAs = async (tenantId: string) => {
        await app.query('BEGIN');
        await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
        const { rows } = await app.query('SELECT count(*)::int AS n FROM products');
        await app.query('COMMIT');
        return rows[0].n as number;
      };
      expect(await countAs(initech!.id)).toBe(1);
      expect(await countAs(randomUUID())).toBe(0);
    } finally {
      await app.end();
    }
  });

  it('refuses an unknown database with BAD_USER_INPUT and writes nothing', async () => {
    for (const database of ['nowhere', 'EU']) {
      const res = await stack.gql(CREATE_TENANT, { input: { slug: 'hooli', name: 'Hooli', database } }, { token: admin });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.database' });
    }
    expect(await stack.sql("SELECT count(*)::int AS n FROM tenants WHERE slug = 'hooli'")).toEqual([{ n: 0 }]);
    expect(await eu.sql("SELECT count(*)::int AS n FROM tenants WHERE slug = 'hooli'")).toEqual([{ n: 0 }]);
  });

  it('lets only the platform admin place a tenant', async () => {
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const res = await stack.gql(CREATE_TENANT, { input: { slug: 'hooli', name: 'Hooli', database: 'eu' } }, { token: owner });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await eu.sql("SELECT count(*)::int AS n FROM tenants WHERE slug = 'hooli'")).toEqual([{ n: 0 }]);
  });

  it('places a tenant in the shared database when asked for "shared"', async () => {
    const res = await stack.gql<{ createTenant: { id: string } }>(
      CREATE_TENANT,
      { input: { slug: 'hooli', name: 'Hooli', database: 'shared' } },
      { token: admin },
    );
    expect(res.body.errors).toBeUndefined();
    expect(await stack.sql('SELECT database FROM tenants WHERE id = $1', [res.body.data!.createTenant.id])).toEqual([{ database: null }]);
    expect(await eu.sql("SELECT count(*)::int AS n FROM tenants WHERE slug = 'hooli'")).toEqual([{ n: 0 }]);
  });
});
