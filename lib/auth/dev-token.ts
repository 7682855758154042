/**
 * Development tokens for seeded users (`npm run token`, `npm start`, the demo and the tests): HS256
 * JWTs with the claims the gateway expects (`sub`, `tenant_id`, `scope`, `iat`, `exp`; README, "Tokens and scopes").
 */
import { SignJWT } from 'jose';
import { DEMO_TENANTS, DEMO_USERS, type DemoUser } from '../db/demo-data';
import { DEV_JWT_SECRET, type JwtConfig } from '../config';

/** Options of {@link mintDevToken}. */
export interface DevTokenOptions {
  /** Tenant slug, for example `acme`. */
  tenant: string;
  /** Email of a seeded user of that tenant. */
  user: string;
  /** Space-separated scopes; default: the user's seeded scopes. */
  scope?: string;
  /** Lifetime in seconds (default 3600). */
  ttlSeconds?: number;
  /** HS256 secret (default: the development secret). */
  secret?: string;
  /** Claim name for the tenant id (default `tenant_id`). */
  tenantClaim?: string;
  issuer?: string;
  audience?: string;
}

/**
 * Finds a seeded user by tenant slug and email.
 * @throws Error naming the seeded users when there is no such user.
 */
export function findDemoUser(tenant: string, email: string): DemoUser & { tenantId: string } {
  const t = DEMO_TENANTS.find((x) => x.slug === tenant);
  const u = DEMO_USERS.find((x) => x.tenantSlug === tenant && x.email === email.toLowerCase());
  if (!t || !u) {
    const known = DEMO_USERS.map((x) => `${x.tenantSlug}/${x.email}`).join(', ');
    throw new Error(`No seeded user ${email} in tenant ${tenant}. Seeded users: ${known}.`);
  }
  return { ...u, tenantId: t.id };
}

/** Mints a signed development JWT for a seeded user. */
export async function mintDevToken(options: DevTokenOptions): Promise<string> {
  const user = findDemoUser(options.tenant, options.user);
  return signDevToken(
    { tenantId: user.tenantId, userId: user.id, email: user.email, scope: options.scope ?? user.scopes.join(' ') },
    options,
  );
}

/** Who a development token is for: any user of any tenant (ids as stored, scopes space-separated). */
export interface DevTokenSubject {
  tenantId: string;
  userId: string;
  email: string;
  scope: string;
}

/**
 * Signs a development JWT for `subject` with the settings of `options` (secret, tenant claim,
 * issuer, audience, lifetime: default 3,600 s), for users outside the demo data (scale tests).
 * @throws Error when `ttlSeconds` is not a positive integer.
 */
export async function signDevToken(
  subject: DevTokenSubject,
  options: Omit<DevTokenOptions, 'tenant' | 'user' | 'scope'> = {},
): Promise<string> {
  const ttl = options.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('ttl must be a positive number of seconds.');
  const now = Math.floor(Date.now() / 1000);
  const claim = options.tenantClaim ?? 'tenant_id';
  let jwt = new SignJWT({ [claim]: subject.tenantId, scope: subject.scope, email: subject.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject.userId)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}

/**
 * The token settings of {@link DevTokenOptions} that match a gateway's JWT configuration (its HS256
 * secret, tenant claim, issuer and audience), so a minted token passes that gateway.
 * @throws Error when the configuration has no HS256 secret (tokens are then issued elsewhere).
 */
export function devTokenSettings(jwt: JwtConfig): Pick<DevTokenOptions, 'secret' | 'tenantClaim' | 'issuer' | 'audience'> {
  if (!jwt.secret)
    throw new Error('Development tokens need the HS256 JWT_SECRET; this configuration verifies tokens with a public key or JWKS.');
  return { secret: jwt.secret, tenantClaim: jwt.tenantClaim, issuer: jwt.issuer, audience: jwt.audience };
}
