/**
 * Seeds the demo data (lib/db/demo-data.ts) into an empty database, in one transaction.
 * Runs with the migration connection, not the services' connection.
 */
import { Client } from 'pg';
import { buildDemoData } from './demo-data';

/**
 * Inserts the demo data when the `tenants` table is empty; returns whether it seeded.
 * A concurrent second call waits on the advisory lock and then finds the data present.
 */
export async function seedDemoData(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(727002)');
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM tenants');
    if (Number(rows[0]!.n) > 0) {
      await client.query('ROLLBACK');
      return false;
    }
    const data = buildDemoData();
    const insert = async (table: string, columns: string[], values: unknown[][]) => {
      if (values.length === 0) return;
      const params: unknown[] = [];
      const tuples = values.map((row) => `(${row.map((v) => `$${params.push(v)}`).join(', ')})`);
      await client.query(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params);
    };
    await insert(
      'tenants',
      ['id', 'slug', 'name', 'plan'],
      data.tenants.map((t) => [t.id, t.slug, t.name, t.plan]),
    );
    const tenantIdBySlug = new Map(data.tenants.map((t) => [t.slug, t.id]));
    await insert(
      'users',
      ['id', 'tenant_id', 'email', 'name', 'scopes'],
      data.users.map((u) => [u.id, tenantIdBySlug.get(u.tenantSlug), u.email, u.name, u.scopes]),
    );
    await insert(
      'products',
      ['id', 'tenant_id', 'sku', 'name', 'description', 'price_amount', 'price_currency', 'stock'],
      data.products.map((p) => [p.id, p.tenantId, p.sku, p.name, p.description, p.priceAmount, p.priceCurrency, p.stock]),
    );
    await insert(
      'orders',
      ['id', 'tenant_id', 'number', 'status', 'placed_by_id', 'total_amount', 'currency', 'created_at', 'updated_at'],
      data.orders.map((o) => [
        o.id,
        o.tenantId,
        o.number,
        o.status,
        o.placedById,
        o.lines.reduce((s, l) => s + l.quantity * l.unitPriceAmount, 0),
        o.currency,
        o.createdAt,
        o.createdAt,
      ]),
    );
    await insert(
      'order_lines',
      ['id', 'tenant_id', 'order_id', 'position', 'product_id', 'quantity', 'unit_price_amount', 'unit_price_currency'],
      data.orders.flatMap((o) =>
        o.lines.map((l, i) => [l.id, o.tenantId, o.id, i, l.productId, l.quantity, l.unitPriceAmount, o.currency]),
      ),
    );
    const lastNumber = new Map<string, number>();
    for (const o of data.orders) lastNumber.set(o.tenantId, (lastNumber.get(o.tenantId) ?? 0) + 1);
    await insert(
      'order_counters',
      ['tenant_id', 'last_number'],
      [...lastNumber].map(([t, n]) => [t, n]),
    );
    await insert(
      'notifications',
      ['id', 'tenant_id', 'title', 'body', 'order_id', 'read_at', 'created_at'],
      data.notifications.map((n) => [n.id, n.tenantId, n.title, n.body, n.orderId, n.read ? n.createdAt : null, n.createdAt]),
    );
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
