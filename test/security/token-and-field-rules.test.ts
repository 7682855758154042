/**
 * The smaller holes of issue 9, through the real gateway: a platform admin's malformed
 * `x-tenant-id` is HTTP 400; a token whose tenant claim is not a tenant id, issued in the future,
 * or living longer than the configured maximum is 401 (and closes a socket with 4401); a user's
 * `email` and `scopes` need `tenant:admin` wherever the user is reached, except through `me`.
 */
import { SignJWT } from 'jose';
import { findDemoUser } from '../../lib/auth/dev-token';
import { DEV_JWT_SECRET } from '../../lib/config';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const owner = findDemoUser('acme', 'owner@acme.test');

/** An HS256 token of the dev secret with `claims` over a valid base (owner of acme, 1 hour). */
function token(claims: Record<string, unknown>, times: { iat?: number; exp?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant_id: owner.tenantId, scope: '', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(owner.id)
    .setIssuedAt(times.iat ?? now)
    .setExpirationTime(times.exp ?? now + 3600)
    .sign(new TextEncoder().encode(DEV_JWT_SECRET));
}

describe('tokens and field rights', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
  });
  afterAll(() => stack.stop());

  it("answers a platform admin's malformed x-tenant-id with HTTP 400 BAD_USER_INPUT", async () => {
    const admin = await stack.token({ tenant: 'platform', user: 'admin@platform.test' });
    const res = await stack.gql('{ tenant { id } }', {}, { token: admin, headers: { 'x-tenant-id': 'acme' } });
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'x-tenant-id' });
  });

  it.each([
    ['a tenant claim that is not a tenant id', () => token({ tenant_id: 'acme' }), "The token's tenant is not a tenant id."],
    [
      'a token issued in the future',
      () => token({}, { iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 3600 }),
      'The token was issued in the future.',
    ],
    [
      'a token living longer than a day',
      () => token({}, { exp: Math.floor(Date.now() / 1000) + 2 * 86_400 }),
      'The token lives longer than the 86400 seconds allowed.',
    ],
  ])('refuses %s with 401 on HTTP and 4401 on WebSocket', async (_what, make, message) => {
    const jwt = await make();
    const res = await stack.gql('{ tenant { id } }', {}, { token: jwt });
    expect(res.status).toBe(401);
    expect(res.body.errors![0]).toMatchObject({ message, extensions: { code: 'UNAUTHENTICATED' } });
    const probe = subscribe(stack.wsClient(jwt), '{ tenant { id } }');
    expect(await probe.ended).toMatchObject({ code: 4401 });
  });

  it('accepts the same claims within the rules (control)', async () => {
    const res = await stack.gql<{ tenant: { id: string } }>('{ tenant { id } }', {}, { token: await token({}) });
    expect(res.body.data?.tenant.id).toBe(owner.tenantId);
  });

  describe('User.email and User.scopes', () => {
    const PLACED_BY = '{ orders(first: 3) { edges { node { placedBy { name email } } } } }';

    it('need tenant:admin through Order.placedBy (FORBIDDEN for staff), like the users query', async () => {
      const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
      const refused = await stack.gql(PLACED_BY, {}, { token: staff });
      expect(refused.body.errors![0]).toMatchObject({
        extensions: { code: 'FORBIDDEN' },
        path: ['orders', 'edges', 0, 'node', 'placedBy', 'email'],
      });
      expect((await stack.gql('{ users { edges { node { id } } } }', {}, { token: staff })).body.errors![0]!.extensions!.code).toBe(
        'FORBIDDEN',
      );
      const names = await stack.gql('{ orders(first: 3) { edges { node { placedBy { name } } } } }', {}, { token: staff });
      expect(names.body.errors).toBeUndefined();
      const scopes = await stack.gql('{ orders(first: 1) { edges { node { placedBy { scopes } } } } }', {}, { token: staff });
      expect(scopes.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    });

    it('are readable by a tenant admin through Order.placedBy, and by anyone for their own user through me', async () => {
      const admin = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
      const res = await stack.gql<{ orders: { edges: Array<{ node: { placedBy: { email: string } } }> } }>(PLACED_BY, {}, { token: admin });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.orders.edges[0]!.node.placedBy.email).toMatch(/@acme\.test$/);
      const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
      const me = await stack.gql('{ me { email scopes } }', {}, { token: staff });
      expect(me.body).toEqual({ data: { me: { email: 'staff@acme.test', scopes: [] } } });
    });
  });
});
