import { SignJWT } from 'jose';
import { GATEWAY_ISSUER } from '../../lib/auth/internal-credential';
import { findDemoUser } from '../../lib/auth/dev-token';
import { SUBGRAPHS, type SubgraphName } from '../../lib/schema/subgraphs';
import { TestCredentials } from '../support/credentials';
import { startTestStack, type TestStack } from '../support/test-stack';

const owner = findDemoUser('acme', 'owner@acme.test');
const principal = { tenantId: owner.tenantId, userId: owner.id, scopes: ['catalog:write', 'orders:write'], requestId: 't' };

const OPERATIONS = {
  _service: '{ _service { sdl } }',
  _entities: 'query { _entities(representations: [{ __typename: "Tenant", id: "00000000-0000-0000-0000-000000000000" }]) { __typename } }',
};

describe('subgraph gateway credential', () => {
  let stack: TestStack;
  let credentials: TestCredentials;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    credentials = new TestCredentials(stack.config.internalSecret!);
  });
  afterAll(() => stack.stop());

  const names = SUBGRAPHS.map((s) => s.name);
  const refusals: Array<[string, (subgraph: SubgraphName) => Promise<Record<string, string>>]> = [
    ['no credential', async () => ({})],
    [
      'a client JWT instead of a gateway credential',
      async () => ({ authorization: `Bearer ${await stack.token({ tenant: 'acme', user: 'owner@acme.test' })}` }),
    ],
    [
      'a credential for another subgraph',
      async (subgraph) => ({ authorization: `Bearer ${await credentials.sign(subgraph === 'tenant' ? 'catalog' : 'tenant', principal)}` }),
    ],
    [
      'an expired credential',
      async (subgraph) => {
        const now = Math.floor(Date.now() / 1000);
        const jwt = await new SignJWT({ tid: owner.tenantId, scope: '' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(GATEWAY_ISSUER)
          .setAudience(subgraph)
          .setSubject(owner.id)
          .setIssuedAt(now - 600)
          .setExpirationTime(now - 300)
          .sign(new TextEncoder().encode(stack.config.internalSecret!));
        return { authorization: `Bearer ${jwt}` };
      },
    ],
  ];

  describe.each(names)('%s subgraph', (subgraph) => {
    it.each(refusals)('refuses _service and _entities with %s: HTTP 401, nothing executed', async (_name, headers) => {
      for (const query of Object.values(OPERATIONS)) {
        const res = await stack.post(stack.subgraphUrls[subgraph], { query }, await headers(subgraph));
        expect(res.status).toBe(401);
        expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(res.body.data ?? null).toBeNull();
      }
    });

    it('serves _service to a valid credential for itself', async () => {
      const res = await stack.post<{ _service: { sdl: string } }>(
        stack.subgraphUrls[subgraph],
        { query: OPERATIONS._service },
        {
          authorization: `Bearer ${await credentials.sign(subgraph, principal)}`,
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.data?._service.sdl).toContain('@key');
    });
  });

  it('executes no mutation for a request without a credential', async () => {
    const before = await stack.sql('SELECT count(*)::text AS n FROM products');
    const res = await stack.post(stack.subgraphUrls.catalog, {
      query: 'mutation { createProduct(input: { sku: "DIRECT-1", name: "x", price: { amount: 1, currency: "USD" }, stock: 1 }) { id } }',
    });
    expect(res.status).toBe(401);
    expect(await stack.sql('SELECT count(*)::text AS n FROM products')).toEqual(before);
  });

  it.each(names)(
    '%s subgraph: apollo-federation-include-trace: ftv1 without or with an invalid credential is 401, nothing executed',
    async (subgraph) => {
      const auths: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-credential' }];
      for (const auth of auths) {
        const res = await stack.post(
          stack.subgraphUrls[subgraph],
          { query: OPERATIONS._entities },
          { 'apollo-federation-include-trace': 'ftv1', ...auth },
        );
        expect(res.status).toBe(401);
        expect(res.body.data ?? null).toBeNull();
        expect(JSON.stringify(res.body)).not.toContain('ftv1');
      }
    },
  );

  it('tenant subgraph: client x-tenant-id / x-user-id / role headers next to a valid credential for A change nothing', async () => {
    const globex = findDemoUser('globex', 'owner@globex.test');
    const res = await stack.post<{ me: { email: string }; tenant: { slug: string } }>(
      stack.subgraphUrls.tenant,
      { query: '{ me { email } tenant { slug } }' },
      {
        authorization: `Bearer ${await credentials.sign('tenant', principal)}`,
        'x-tenant-id': globex.tenantId,
        'x-user-id': globex.id,
        'x-roles': 'platform:admin',
        'x-scopes': 'platform:admin tenant:admin',
      },
    );
    expect(res.body.data).toEqual({ me: { email: 'owner@acme.test' }, tenant: { slug: 'acme' } });
    const admin = await stack.post(
      stack.subgraphUrls.tenant,
      { query: 'mutation { createTenant(input: { slug: "spoofed", name: "x" }) { id } }' },
      { authorization: `Bearer ${await credentials.sign('tenant', principal)}`, 'x-scopes': 'platform:admin', 'x-roles': 'platform:admin' },
    );
    expect(admin.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await stack.sql("SELECT id FROM tenants WHERE slug = 'spoofed'")).toEqual([]);
  });
});
