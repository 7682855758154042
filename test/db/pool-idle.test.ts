/**
 * createPrismaClient's idle connections (lib/db/prisma-client.ts): beyond `minConnections`, a
 * connection idle for `idleTimeoutMs` closes; the first `minConnections` that traffic opened stay
 * open, so the first requests after a quiet spell do not connect again. Real PostgreSQL, the app role.
 */
import { appDatabaseUrl } from '../../lib/config';
import { createPrismaClient, poolUsage, type PrismaClient } from '../../lib/db/prisma-client';
import { TenantPools } from '../../lib/db/tenant-pools';
import { buildDemoData } from '../../lib/db/demo-data';
import { waitUntil } from '../support/processes';
import { createDatabaseFromTemplate } from '../support/test-database';

const IDLE_TIMEOUT_MS = 50;
const acme = buildDemoData().tenants.find((t) => t.slug === 'acme')!;

/** Backend process ids of `client`'s open connections, by holding `count` of them at once. */
async function openConnections(client: PrismaClient, count: number): Promise<Set<number>> {
  let arrived = 0;
  const pids = await Promise.all(
    Array.from({ length: count }, () =>
      client.$transaction(async (tx) => {
        arrived++;
        await waitUntil(() => arrived === count, 'every transaction to hold a connection'); // none returns its connection early
        const rows = await tx.$queryRawUnsafe<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
        return rows[0]!.pid;
      }),
    ),
  );
  return new Set(pids);
}

describe('createPrismaClient idle connections', () => {
  let url: string;
  const clients: PrismaClient[] = [];
  const client = (minConnections: number) => {
    const c = createPrismaClient({ url, poolSize: 4, minConnections, idleTimeoutMs: IDLE_TIMEOUT_MS });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    url = appDatabaseUrl(await createDatabaseFromTemplate());
  });
  afterAll(() => Promise.all(clients.map((c) => c.$disconnect())));

  it('closes every connection idle past the timeout when minConnections is 0', async () => {
    const c = client(0);
    expect((await openConnections(c, 3)).size).toBe(3);
    await waitUntil(() => poolUsage(c)!.total === 0, 'the idle connections to close');
  });

  it('keeps minConnections of the connections traffic opened, and the next statements reuse them', async () => {
    const c = client(2);
    expect(poolUsage(c)!.total).toBe(0); // none opened ahead
    const opened = await openConnections(c, 4);
    expect(opened.size).toBe(4);
    await waitUntil(() => poolUsage(c)!.total === 2, 'the connections beyond the minimum to close');
    // An absence needs a window: ten idle timeouts later the two are still open, and two concurrent uses get them again.
    await new Promise((resolve) => setTimeout(resolve, 10 * IDLE_TIMEOUT_MS));
    expect(poolUsage(c)).toMatchObject({ total: 2, idle: 2 });
    const reused = await openConnections(c, 2);
    expect([...reused].every((pid) => opened.has(pid))).toBe(true);
  });

  it('applies to each tenant pool', async () => {
    const pools = new TenantPools({ url, poolSize: 3, maxTenants: 1, minConnections: 1, idleTimeoutMs: IDLE_TIMEOUT_MS });
    try {
      await expect(pools.verified).resolves.toBe(true);
      const lease = pools.lease(acme.id)!;
      try {
        expect((await openConnections(lease.client, 3)).size).toBe(3);
        await waitUntil(() => poolUsage(lease.client)!.total === 1, 'the connections beyond the minimum to close');
        await new Promise((resolve) => setTimeout(resolve, 10 * IDLE_TIMEOUT_MS));
        expect(poolUsage(lease.client)!.total).toBe(1);
      } finally {
        lease.release();
      }
    } finally {
      await pools.disconnect();
    }
  });
});
