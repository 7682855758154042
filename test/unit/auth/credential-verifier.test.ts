/**
 * lib/auth/internal-credential.ts: a subgraph verifies a gateway credential once and answers its
 * principal from the cache afterwards, until the credential's `exp`.
 */
import { SignJWT } from 'jose';
import { CredentialSigner, CredentialVerifier, GATEWAY_ISSUER, InvalidCredentialError } from '../../../lib/auth/internal-credential';

const SECRET = 'unit-test-internal-secret-0123456789abcdef';
const TENANT = '6f1c2a52-8b7e-4c1d-9a3f-0e5b7d2c4a10';
const principal = { tenantId: TENANT, userId: 'user-1', scopes: ['orders:write'], requestId: 'r1' };

describe('CredentialVerifier.verify', () => {
  afterEach(() => jest.useRealTimers());

  it('verifies a credential once and answers the same principal from its cache', async () => {
    const token = await new CredentialSigner(SECRET).sign(principal, 'orders');
    const verifier = new CredentialVerifier(SECRET, 'orders');
    const first = await verifier.verify(token);
    expect(first).toEqual({ tenantId: TENANT, userId: 'user-1', scopes: ['orders:write'] });
    expect(Object.isFrozen(first)).toBe(true);
    expect(await verifier.verify(token)).toBe(first);
  });

  it('refuses a cached credential once its exp has passed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ tid: TENANT, scope: '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(GATEWAY_ISSUER)
      .setAudience('orders')
      .setSubject('user-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(SECRET));
    const verifier = new CredentialVerifier(SECRET, 'orders');
    await expect(verifier.verify(token)).resolves.toMatchObject({ tenantId: TENANT });
    jest.useFakeTimers({ now: (now + 61) * 1000 });
    await expect(verifier.verify(token)).rejects.toThrow(InvalidCredentialError);
    await expect(verifier.verify(token)).rejects.toThrow(/ERR_JWT_EXPIRED/);
  });

  it('keeps nothing of a refused credential: the same token is refused again', async () => {
    const token = await new CredentialSigner(SECRET).sign(principal, 'catalog');
    const verifier = new CredentialVerifier(SECRET, 'orders');
    await expect(verifier.verify(token)).rejects.toThrow(/ERR_JWT_CLAIM_VALIDATION_FAILED/);
    await expect(verifier.verify(token)).rejects.toThrow(/ERR_JWT_CLAIM_VALIDATION_FAILED/);
  });
});
