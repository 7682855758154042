import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from '../../lib/config';
import { findDemoUser } from '../../lib/auth/dev-token';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const QUERY = '{ me { email } }';
const owner = findDemoUser('acme', 'owner@acme.test');

function b64(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

async function sign(claims: Record<string, unknown>, options: { secret?: string; exp?: number | null } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now);
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? now + 600);
  return jwt.sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}

describe('gateway authentication', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
  });
  afterAll(() => stack.stop());

  const valid = { sub: owner.id, tenant_id: owner.tenantId, scope: 'orders:write' };
  const cases: Array<[string, () => Promise<Record<string, string>>]> = [
    ['no token', async () => ({})],
    ['a malformed Authorization header', async () => ({ authorization: 'Basic abc' })],
    [
      'a token signed with another secret',
      async () => ({ authorization: `Bearer ${await sign(valid, { secret: 'another-secret-another-secret-another-secret' })}` }),
    ],
    ['an expired token', async () => ({ authorization: `Bearer ${await sign(valid, { exp: Math.floor(Date.now() / 1000) - 120 })}` })],
    ['a token without exp', async () => ({ authorization: `Bearer ${await sign(valid, { exp: null })}` })],
    ['a token without the tenant claim', async () => ({ authorization: `Bearer ${await sign({ sub: owner.id })}` })],
    [
      'an alg "none" token',
      async () => ({ authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...valid, exp: 9999999999 })}.` }),
    ],
  ];

  it.each(cases)('answers HTTP 401 UNAUTHENTICATED to %s', async (_name, headers) => {
    const res = await stack.gql(QUERY, {}, { headers: await headers() });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.data ?? null).toBeNull();
  });

  it('refuses a mutation without a valid token and writes nothing', async () => {
    const before = await stack.sql<{ n: string }>('SELECT count(*)::text AS n FROM products');
    const res = await stack.gql(
      'mutation { createProduct(input: { sku: "NOAUTH-1", name: "x", price: { amount: 1, currency: "USD" }, stock: 1 }) { id } }',
      {},
      { headers: { authorization: `Bearer ${await sign(valid, { secret: 'wrong-secret-wrong-secret-wrong-secret!!' })}` } },
    );
    expect(res.status).toBe(401);
    expect(await stack.sql('SELECT count(*)::text AS n FROM products')).toEqual(before);
  });

  it('accepts a valid dev token and resolves the principal from it', async () => {
    const res = await stack.gql<{ me: { email: string } }>(
      QUERY,
      {},
      { token: await stack.token({ tenant: 'acme', user: 'owner@acme.test' }) },
    );
    expect(res.status).toBe(200);
    expect(res.body.data?.me.email).toBe('owner@acme.test');
  });

  it('ignores x-tenant-id and x-user-id sent by a user without platform:admin', async () => {
    const globex = findDemoUser('globex', 'owner@globex.test');
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const res = await stack.gql<{ tenant: { slug: string } }>(
      '{ tenant { slug } }',
      {},
      { token, headers: { 'x-tenant-id': globex.tenantId, 'x-user-id': globex.id } },
    );
    expect(res.body.data?.tenant.slug).toBe('acme');
  });

  it('lets a platform admin act for a tenant through x-tenant-id', async () => {
    const globex = findDemoUser('globex', 'owner@globex.test');
    const token = await stack.token({ tenant: 'platform', user: 'admin@platform.test' });
    const res = await stack.gql<{ tenant: { slug: string } }>(
      '{ tenant { slug } }',
      {},
      { token, headers: { 'x-tenant-id': globex.tenantId } },
    );
    expect(res.body.data?.tenant.slug).toBe('globex');
  });

  it('closes a WebSocket connection whose connection_init has no valid token', async () => {
    const client = stack.wsClient(await sign(valid, { secret: 'another-secret-another-secret-another-secret' }));
    const probe = subscribe(client, 'subscription { notificationAdded { id } }');
    const ended = (await probe.ended) as { code?: number };
    expect([4401, 4403]).toContain(ended.code);
    expect(probe.messages).toHaveLength(0);
  });
});
