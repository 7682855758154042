/**
 * Helpers of the tenant move tests: a tenant's whole data as its API shows it, a checksum of its rows
 * in one database, and a request loop that records every error while a move runs.
 */
import { Client } from 'pg';
import { setTenant, tenantChecksum } from '../../lib/db/tenant-rows';
import type { TestStack } from './test-stack';

/** Everything of the tenant of `token` through the gateway (products, orders with lines, notifications, users). */
export async function tenantView(stack: TestStack, token: string): Promise<unknown> {
  const res = await stack.gql(
    `{
      products(first: 100) { totalCount edges { node { id sku name stock price { amount currency } } } }
      orders(first: 100) { totalCount edges { node { id number status total { amount currency } lines { quantity product { sku } } } } }
      notifications(first: 100) { totalCount edges { node { id title body read } } }
      users(first: 100) { totalCount edges { node { id email name scopes } } }
    }`,
    {},
    { token },
  );
  if (res.body.errors) throw new Error(`tenant view failed: ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}

/** The checksum of `tenantId`'s rows in the database at `url` (lib/db/tenant-rows.ts, as the owner). */
export async function checksumOf(url: string, tenantId: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET TIME ZONE 'UTC'`);
    await client.query('BEGIN');
    await setTenant(client, tenantId);
    const sum = await tenantChecksum(client, tenantId);
    await client.query('COMMIT');
    return sum;
  } finally {
    await client.end();
  }
}

/** A running request loop. */
export interface Traffic {
  /** Requests answered so far. */
  readonly requests: number;
  /** Stops after the request in flight; resolves with every error seen and the orders placed, in order. */
  stop(): Promise<{ requests: number; errors: string[]; orders: string[] }>;
}

/** Sends, one after the other until stopped, a list query and (when `productId` is given) a `placeOrder` as `token`. */
export function startTraffic(stack: TestStack, token: string, productId?: string): Traffic {
  let running = true;
  let requests = 0;
  const errors: string[] = [];
  const orders: string[] = [];
  const loop = (async () => {
    while (running) {
      const read = await stack.gql('{ products(first: 5) { edges { node { id stock } } } orders(first: 5) { totalCount } }', {}, { token });
      requests++;
      if (read.status !== 200 || read.body.errors) errors.push(`read ${read.status}: ${JSON.stringify(read.body.errors)}`);
      if (!productId) continue;
      try {
        orders.push((await stack.placeOrder(token, productId)).id);
      } catch (err) {
        errors.push((err as Error).message);
      }
      requests++;
    }
  })();
  return {
    get requests() {
      return requests;
    },
    async stop() {
      running = false;
      await loop;
      return { requests, errors, orders };
    },
  };
}
