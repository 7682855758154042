/**
 * `npm run demo`: acts as a dashboard would against the running gateway (`npm start` first):
 * loads the dashboard query, opens `orderUpdated` and `notificationAdded` over graphql-ws, places an
 * order and confirms it, prints the live updates as they arrive, then shows how a dashboard resumes:
 * it reconnects with the last cursor (`after`) and receives the update it missed while offline.
 * GATEWAY_URL overrides http://localhost:4000/graphql; tokens are minted with the configured
 * JWT settings (JWT_SECRET, ...).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { devTokenSettings, mintDevToken } from '../lib/auth/dev-token';
import { loadConfig } from '../lib/config';
import { DASHBOARD_QUERY } from './dashboard-query';

const config = loadConfig();
const httpUrl = config.gateway.publicUrl;
const wsUrl = httpUrl.replace(/^http/, 'ws');

interface Result<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
  extensions?: { cursor?: string };
}

async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Result<T>;
  if (body.errors?.length) throw new Error(`${body.errors[0]!.extensions?.code ?? 'ERROR'}: ${body.errors[0]!.message}`);
  return body.data!;
}

const ORDER_UPDATED = `subscription OrderUpdated($after: String) {
  orderUpdated(after: $after) { number status total { amount currency } placedBy { email } lines { quantity product { name } } }
}`;
const NOTIFICATION_ADDED = `subscription { notificationAdded { title body read order { number } } }`;

function money(m: { amount: number; currency: string }): string {
  return `${(m.amount / 100).toFixed(2)} ${m.currency}`;
}

function listen<T>(
  client: Client,
  label: string,
  query: string,
  variables: Record<string, unknown>,
  onMessage: (m: Result<T>) => void,
): () => void {
  return client.subscribe<T>(
    { query, variables },
    {
      next: (m) => {
        const message = m as Result<T>;
        console.log(`  <- ${label} (cursor ${message.extensions?.cursor}): ${JSON.stringify(message.data)}`);
        onMessage(message);
      },
      error: (e) => console.log(`  <- ${label} error: ${JSON.stringify(e)}`),
      complete: () => undefined,
    },
  );
}

function waitUntil(check: () => boolean, label: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${label}`));
      }
    }, 50);
  });
}

async function main(): Promise<void> {
  const token = await mintDevToken({ tenant: 'acme', user: 'owner@acme.test', ...devTokenSettings(config.jwt) });
  console.log(`Dashboard of owner@acme.test against ${httpUrl}\n`);

  type Dashboard = {
    me: { email: string };
    tenant: { name: string };
    orders: {
      edges: Array<{
        node: {
          number: string;
          status: string;
          total: { amount: number; currency: string };
          placedBy: { email: string };
          lines: Array<{ quantity: number; product: { name: string } }>;
        };
      }>;
    };
    notifications: { unreadCount: number; edges: Array<{ node: { title: string; read: boolean } }> };
  };
  const dashboard = await gql<Dashboard>(token, DASHBOARD_QUERY);
  console.log(`1. Dashboard query (tenant, catalog, orders and notifications subgraphs in one request)`);
  console.log(
    `   ${dashboard.me.email} at ${dashboard.tenant.name}: ${dashboard.orders.edges.length} recent orders, ${dashboard.notifications.unreadCount} unread notifications`,
  );
  for (const { node } of dashboard.orders.edges.slice(0, 3)) {
    const items = node.lines.map((l) => `${l.quantity} x ${l.product.name}`).join(', ');
    console.log(`   ${node.number} ${node.status.padEnd(9)} ${money(node.total).padStart(12)}  by ${node.placedBy.email}: ${items}`);
  }

  console.log(`\n2. Subscribing over ${wsUrl} (graphql-transport-ws)`);
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
  let lastCursor: string | undefined;
  const orderMessages: Result<unknown>[] = [];
  const notificationMessages: Result<unknown>[] = [];
  const stopOrders = listen(client, 'orderUpdated', ORDER_UPDATED, {}, (m) => {
    orderMessages.push(m);
    lastCursor = m.extensions?.cursor;
  });
  listen(client, 'notificationAdded', NOTIFICATION_ADDED, {}, (m) => notificationMessages.push(m));
  await new Promise((r) => setTimeout(r, 700));

  const products = await gql<{ products: { edges: Array<{ node: { id: string; name: string; stock: number } }> } }>(
    token,
    '{ products(first: 20) { edges { node { id name stock } } } }',
  );
  const product = products.products.edges.map((e) => e.node).find((p) => p.stock >= 2);
  if (!product) throw new Error('No product with stock left; restart with a fresh database (rm -rf .data).');
  console.log(`\n3. placeOrder: 2 x ${product.name}`);
  const placed = await gql<{ placeOrder: { id: string; number: string } }>(
    token,
    'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number } }',
    { input: { lines: [{ productId: product.id, quantity: 2 }], idempotencyKey: `demo-${Date.now()}` } },
  );
  console.log(`   -> placed ${placed.placeOrder.number}; live updates:`);
  await waitUntil(() => orderMessages.length >= 1 && notificationMessages.length >= 1, 'the order placed updates');

  console.log(`\n4. updateOrderStatus(${placed.placeOrder.number}, CONFIRMED)`);
  await gql(token, 'mutation($id: ID!) { updateOrderStatus(id: $id, status: CONFIRMED) { status } }', { id: placed.placeOrder.id });
  await waitUntil(() => orderMessages.length >= 2 && notificationMessages.length >= 2, 'the status change updates');

  console.log(`\n5. Resuming: the dashboard goes offline, the order ships meanwhile, then it resubscribes with after: "${lastCursor}"`);
  stopOrders();
  await gql(token, 'mutation($id: ID!) { updateOrderStatus(id: $id, status: SHIPPED) { status } }', { id: placed.placeOrder.id });
  await new Promise((r) => setTimeout(r, 500));
  const resumed: Result<unknown>[] = [];
  listen(client, 'orderUpdated (resumed)', ORDER_UPDATED, { after: lastCursor }, (m) => resumed.push(m));
  await waitUntil(() => resumed.length >= 1, 'the missed update');

  await client.dispose();
  console.log('\nDone: every update arrived once, in order, with a cursor to resume from.');
}

main().catch((err: Error) => {
  console.error(`Demo failed: ${err.message}${err.message.includes('fetch failed') ? ' (is `npm start` running?)' : ''}`);
  process.exit(1);
});
