import { startTestStack, type TestStack } from '../support/test-stack';

describe('tenant subgraph', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
  });
  afterAll(() => stack.stop());

  it('Query.me and Query.tenant answer for the token user and tenant', async () => {
    const token = await stack.token({ tenant: 'globex', user: 'owner@globex.test' });
    const res = await stack.gql<{ me: unknown; tenant: unknown }>(
      '{ me { email name scopes tenant { slug } } tenant { slug name } }',
      {},
      { token },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      me: {
        email: 'owner@globex.test',
        name: 'Gus Owner',
        scopes: ['catalog:write', 'orders:write', 'tenant:admin'],
        tenant: { slug: 'globex' },
      },
      tenant: { slug: 'globex', name: 'Globex Corporation' },
    });
  });

  it('Query.me answers NOT_FOUND for a platform admin acting for a tenant it is not a member of', async () => {
    const token = await stack.token({ tenant: 'platform', user: 'admin@platform.test' });
    const [acme] = await stack.sql<{ id: string }>("SELECT id FROM tenants WHERE slug = 'acme'");
    const res = await stack.gql('{ me { email } }', {}, { token, headers: { 'x-tenant-id': acme!.id } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
