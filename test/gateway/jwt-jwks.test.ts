import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { findDemoUser } from '../../lib/auth/dev-token';
import type { JwtConfig } from '../../lib/config';
import { JwtVerifier } from '../../gateway/auth/jwt-verifier';
import { sleep, startTestStack, subscribe, type TestStack } from '../support/test-stack';

const owner = findDemoUser('acme', 'owner@acme.test');
const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'supergraph';

/** A JWKS server on 127.0.0.1 that counts its hits. */
async function startJwks(keys: () => JWK[]): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jwks.json`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

describe('JWT verification with a JWKS (RS256)', () => {
  let keyA: { privateKey: CryptoKey; jwk: JWK };
  let keyB: { privateKey: CryptoKey; jwk: JWK };
  let published: JWK[];
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  let config: JwtConfig;

  const mint = async (
    key: { privateKey: CryptoKey },
    kid: string,
    o: { iss?: string; aud?: string; ttl?: number; claims?: Record<string, unknown> } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tenant_id: owner.tenantId, scope: 'orders:write', ...o.claims })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(owner.id)
      .setIssuer(o.iss ?? ISSUER)
      .setAudience(o.aud ?? AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + (o.ttl ?? 600))
      .sign(key.privateKey);
  };

  beforeAll(async () => {
    const make = async (kid: string) => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      return { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
    };
    keyA = await make('a');
    keyB = await make('b');
    published = [keyA.jwk];
    jwks = await startJwks(() => published);
    config = {
      jwksUrl: jwks.url,
      jwksCooldownMs: 500,
      algorithms: ['RS256'],
      tenantClaim: 'tenant_id',
      issuer: ISSUER,
      audience: AUDIENCE,
    };
  });
  afterAll(() => jwks.close());

  it('verify: accepts a valid token; fetches the keys once for many requests', async () => {
    const verifier = new JwtVerifier(config);
    const before = jwks.hits();
    const token = await mint(keyA, 'a');
    for (let i = 0; i < 10; i++) expect((await verifier.verify(token)).sub).toBe(owner.id);
    expect(jwks.hits() - before).toBe(1);
  });

  it('verify: an unknown kid triggers one refetch, then the rotated key verifies', async () => {
    const verifier = new JwtVerifier(config);
    await verifier.verify(await mint(keyA, 'a'));
    await sleep(600); // past the cool-down
    const before = jwks.hits();
    published = [keyA.jwk, keyB.jwk];
    try {
      expect((await verifier.verify(await mint(keyB, 'b'))).sub).toBe(owner.id);
      expect(jwks.hits() - before).toBe(1);
    } finally {
      published = [keyA.jwk];
    }
  });

  it('verify: a burst of 50 unknown-kid tokens refetches at most once within the cool-down', async () => {
    const verifier = new JwtVerifier(config);
    await verifier.verify(await mint(keyA, 'a'));
    const before = jwks.hits();
    await sleep(600); // past the cool-down: the first unknown kid may refetch once
    const forged = await mint(keyB, 'unknown-kid');
    const results: PromiseSettledResult<unknown>[] = [];
    for (let i = 0; i < 5; i++) results.push(...(await Promise.allSettled(Array.from({ length: 10 }, () => verifier.verify(forged)))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    for (const r of results) expect((r as PromiseRejectedResult).reason.extensions.code).toBe('UNAUTHENTICATED');
    expect(jwks.hits() - before).toBeLessThanOrEqual(1);
  });

  it.each([
    ['another issuer', { iss: 'https://evil.test/' }],
    ['another audience', { aud: 'someone-else' }],
  ])('verify: rejects %s when iss/aud are configured', async (_name, o) => {
    const verifier = new JwtVerifier(config);
    await expect(verifier.verify(await mint(keyA, 'a', o))).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('verify: rejects an HS256 token when only RS256 is allowed (alg confusion with the public key as secret)', async () => {
    const verifier = new JwtVerifier(config);
    const now = Math.floor(Date.now() / 1000);
    const hs = await new SignJWT({ tenant_id: owner.tenantId })
      .setProtectedHeader({ alg: 'HS256', kid: 'a' })
      .setSubject(owner.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(JSON.stringify(keyA.jwk)));
    await expect(verifier.verify(hs)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  describe('through the gateway', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({ eventLog: 'memory', config: (c) => ({ ...c, jwt: config }) });
    });
    afterAll(() => stack.stop());

    it('HTTP: a JWKS-signed token is accepted; a dev HS256 token is refused with 401', async () => {
      const ok = await stack.gql<{ me: { email: string } }>('{ me { email } }', {}, { token: await mint(keyA, 'a') });
      expect(ok.body.data?.me.email).toBe('owner@acme.test');
      const hs = await stack.gql('{ me { email } }', {}, { token: await stack.token({ tenant: 'acme', user: 'owner@acme.test' }) });
      expect(hs.status).toBe(401);
    });

    it('WebSocket: the connection closes with 4401 when the token expires (~2 s lifetime)', async () => {
      const client = stack.wsClient(await mint(keyA, 'a', { ttl: 2 }));
      const probe = subscribe(client, 'subscription { orderUpdated { id } }');
      const ended = (await Promise.race([probe.ended, sleep(8000).then(() => 'still open')])) as { code?: number } | string;
      expect(typeof ended === 'object' ? ended.code : ended).toBe(4401);
    }, 15_000);
  });
});
