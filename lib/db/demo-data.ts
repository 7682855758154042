/**
 * The deterministic demo data set (README, "Demo data"). Ids are name-based UUIDs, so the same
 * tenant, user or product has the same id on every machine, and `npm run token` can mint a token for
 * a seeded user without a database.
 */
import { createHash } from 'node:crypto';
import { Scope } from '../principal';

/** A name-based UUID (version 5 layout, SHA-1 of `supergraph-demo:<name>`). */
export function demoId(name: string): string {
  const h = createHash('sha1').update(`supergraph-demo:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A seeded tenant. */
export interface DemoTenant {
  id: string;
  slug: string;
  name: string;
  /** ISO 4217 currency of its catalog. */
  currency: string;
  /** Its service plan (migration `20261201000000_tenant_plans`): `standard` for customers. */
  plan: string;
}

/** A seeded user; `scopes` are the ones `npm run token` grants by default. */
export interface DemoUser {
  id: string;
  tenantSlug: string;
  email: string;
  name: string;
  scopes: string[];
}

/** Every tenant scope: what a tenant owner holds. */
export const TENANT_SCOPES: string[] = [Scope.CatalogWrite, Scope.OrdersWrite, Scope.TenantAdmin];

/** Tenants: `acme` and `globex` (customers), `platform` (home of the platform admin). */
export const DEMO_TENANTS: DemoTenant[] = [
  { slug: 'acme', name: 'Acme Corporation', currency: 'USD', plan: 'standard' },
  { slug: 'globex', name: 'Globex Corporation', currency: 'EUR', plan: 'standard' },
  { slug: 'platform', name: 'Platform Operations', currency: 'USD', plan: 'enterprise' },
].map((t) => ({ ...t, id: demoId(`tenant:${t.slug}`) }));

/** The seeded users (README, "Demo data"). */
export const DEMO_USERS: DemoUser[] = [
  { tenantSlug: 'acme', email: 'owner@acme.test', name: 'Ava Owner', scopes: TENANT_SCOPES },
  { tenantSlug: 'acme', email: 'staff@acme.test', name: 'Sam Staff', scopes: [] },
  { tenantSlug: 'globex', email: 'owner@globex.test', name: 'Gus Owner', scopes: TENANT_SCOPES },
  { tenantSlug: 'platform', email: 'admin@platform.test', name: 'Pat Admin', scopes: [Scope.PlatformAdmin] },
].map((u) => ({ ...u, id: demoId(`user:${u.tenantSlug}:${u.email}`) }));

/** Products per customer tenant. */
export const DEMO_PRODUCTS_PER_TENANT = 30;
/** Orders per customer tenant. */
export const DEMO_ORDERS_PER_TENANT = 12;

const ADJECTIVES = [
  'Anvil',
  'Rocket',
  'Giant',
  'Portable',
  'Instant',
  'Spring-Loaded',
  'Jet-Propelled',
  'Magnetic',
  'Invisible',
  'Dehydrated',
];
const NOUNS = ['Skates', 'Catapult', 'Tornado Kit', 'Bird Seed'];

/** A seeded product. */
export interface DemoProduct {
  id: string;
  tenantId: string;
  sku: string;
  name: string;
  description: string;
  priceAmount: number;
  priceCurrency: string;
  stock: number;
}

/** A seeded order with its lines. */
export interface DemoOrder {
  id: string;
  tenantId: string;
  number: string;
  status: 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
  placedById: string;
  currency: string;
  createdAt: Date;
  lines: { id: string; productId: string; quantity: number; unitPriceAmount: number }[];
}

/** A seeded notification. */
export interface DemoNotification {
  id: string;
  tenantId: string;
  orderId: string;
  title: string;
  body: string;
  read: boolean;
  createdAt: Date;
}

const STATUSES: DemoOrder['status'][] = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'];
const EPOCH = Date.UTC(2026, 10, 1, 9, 0, 0);

/** Builds the full demo data set; the same output on every call. */
export function buildDemoData() {
  const products: DemoProduct[] = [];
  const orders: DemoOrder[] = [];
  const notifications: DemoNotification[] = [];
  for (const tenant of DEMO_TENANTS.filter((t) => t.slug !== 'platform')) {
    const prefix = tenant.slug.toUpperCase();
    const tenantProducts: DemoProduct[] = [];
    for (let i = 0; i < DEMO_PRODUCTS_PER_TENANT; i++) {
      const sku = `${prefix}-${String(i + 1).padStart(4, '0')}`;
      tenantProducts.push({
        id: demoId(`product:${tenant.slug}:${sku}`),
        tenantId: tenant.id,
        sku,
        name: `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]}`,
        description: `Demo product ${i + 1} of ${tenant.name}.`,
        priceAmount: 499 + ((i * 1237) % 9000),
        priceCurrency: tenant.currency,
        stock: i % 10 === 9 ? 3 : 100 + i,
      });
    }
    products.push(...tenantProducts);
    const staff = DEMO_USERS.filter((u) => u.tenantSlug === tenant.slug);
    for (let n = 1; n <= DEMO_ORDERS_PER_TENANT; n++) {
      const number = `ORD-${String(n).padStart(6, '0')}`;
      const orderId = demoId(`order:${tenant.slug}:${number}`);
      const lines = Array.from({ length: 1 + (n % 3) }, (_, k) => {
        const product = tenantProducts[(n * 7 + k * 3) % tenantProducts.length]!;
        return {
          id: demoId(`line:${tenant.slug}:${number}:${k}`),
          productId: product.id,
          quantity: 1 + ((n + k) % 4),
          unitPriceAmount: product.priceAmount,
        };
      });
      const createdAt = new Date(EPOCH + n * 3_600_000);
      const status = STATUSES[n % STATUSES.length]!;
      orders.push({
        id: orderId,
        tenantId: tenant.id,
        number,
        status,
        placedById: staff[n % staff.length]!.id,
        currency: tenant.currency,
        createdAt,
        lines,
      });
      notifications.push({
        id: demoId(`notification:${tenant.slug}:${number}`),
        tenantId: tenant.id,
        orderId,
        title: `Order ${number} placed`,
        body: `Order ${number} was placed and is now ${status}.`,
        read: n <= DEMO_ORDERS_PER_TENANT / 2,
        createdAt: new Date(createdAt.getTime() + 1000),
      });
    }
  }
  return { tenants: DEMO_TENANTS, users: DEMO_USERS, products, orders, notifications };
}
