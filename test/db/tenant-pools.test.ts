/**
 * TenantPools: how tenant pools are shared out when there are more tenants than pools. A pool is
 * replaced only once it has been idle for `replaceIdleAfterMs`; until then a new tenant goes through
 * the shared pool (the lease answers undefined), so traffic over many tenants does not close and
 * reopen pools on every request. Real PostgreSQL, the app role.
 */
import { appDatabaseUrl } from '../../lib/config';
import { buildDemoData } from '../../lib/db/demo-data';
import { TenantPools } from '../../lib/db/tenant-pools';
import { waitUntil } from '../support/processes';
import { createDatabaseFromTemplate } from '../support/test-database';

const [acme, globex] = ['acme', 'globex'].map((slug) => buildDemoData().tenants.find((t) => t.slug === slug)!);

describe('TenantPools.lease', () => {
  let url: string;
  let pools: TenantPools;

  beforeAll(async () => {
    url = appDatabaseUrl(await createDatabaseFromTemplate());
    pools = new TenantPools({ url, poolSize: 1, maxTenants: 1, replaceIdleAfterMs: 300 });
    await expect(pools.verified).resolves.toBe(true);
  });
  afterAll(() => pools.disconnect());

  it("gives a tenant its own pool, scoped to it by the connection's options", async () => {
    const lease = pools.lease(acme!.id)!;
    try {
      const rows = await lease.client.$queryRawUnsafe<Array<{ t: string }>>("SELECT current_setting('app.tenant_id') AS t");
      expect(rows[0]!.t).toBe(acme!.id);
    } finally {
      lease.release();
    }
    expect(pools.stats).toMatchObject({ open: 1, evicted: 0 });
  });

  it('sends another tenant to the shared pool while the only pool was used recently, then replaces it once idle long enough', async () => {
    expect(pools.lease(globex!.id)).toBeUndefined();
    expect(pools.stats).toMatchObject({ open: 1, evicted: 0, overflow: 1 });
    let lease: ReturnType<TenantPools['lease']>;
    await waitUntil(() => (lease = pools.lease(globex!.id)) !== undefined, 'the idle pool to be replaceable');
    try {
      const rows = await lease!.client.$queryRawUnsafe<Array<{ t: string }>>("SELECT current_setting('app.tenant_id') AS t");
      expect(rows[0]!.t).toBe(globex!.id);
    } finally {
      lease!.release();
    }
    expect(pools.stats).toMatchObject({ open: 1, evicted: 1 });
  });

  it('never replaces a pool in use, even when idle pools may be replaced at once', async () => {
    const eager = new TenantPools({ url, poolSize: 1, maxTenants: 1, replaceIdleAfterMs: 0 });
    try {
      await eager.verified;
      const held = eager.lease(acme!.id)!;
      expect(eager.lease(globex!.id)).toBeUndefined();
      held.release();
      eager.lease(globex!.id)!.release();
      expect(eager.stats).toEqual({ open: 1, evicted: 1, overflow: 1 });
    } finally {
      await eager.disconnect();
    }
  });
});
