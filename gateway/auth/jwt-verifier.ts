/**
 * Verifies client JWTs with jose: an HS256 secret (development), a PEM SPKI public key or a JWKS URL.
 * Only the configured algorithms are accepted (never `none`), and `exp`, `sub` and the tenant claim
 * are required: jose alone would accept a token without `exp`. The tenant claim must be a tenant id
 * (a UUID); a token issued in the future (`iat` later than now plus the clock tolerance) or living
 * longer than `maxLifetimeSeconds` (`exp` - `iat`, or `exp` - now without `iat`) is refused, so a
 * leaked long-lived token cannot be used.
 *
 * A verified token is remembered (up to 10,000 tokens, each at most 5 minutes and never past its
 * `exp`), so a client that sends the same token again, or a flood with one token, costs a map
 * lookup instead of a signature check (about 125 µs for HS256 here). A key removed from a JWKS
 * therefore stops accepting its tokens within 5 minutes rather than at once.
 */
import {
  createRemoteJWKSet,
  errors as joseErrors,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { JwtConfig } from '../../lib/config';
import { domainError } from '../../lib/errors';
import { isUuid } from '../../lib/uuid';

/** The claims the gateway uses from a verified client token. */
export interface VerifiedClaims {
  /** The user id (`sub`). */
  sub: string;
  /** The tenant claim (`tenant_id` unless configured otherwise). */
  tenantId: string;
  /** The space-separated `scope` claim, split. */
  scopes: string[];
  /** `exp`, seconds since the epoch. */
  expiresAt: number;
}

const ASYMMETRIC_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

type KeySource =
  { kind: 'secret'; key: Uint8Array } | { kind: 'spki'; keys: Promise<Map<string, CryptoKey>> } | { kind: 'jwks'; getKey: JWTVerifyGetKey };

/**
 * A configured `JWT_PUBLIC_KEY` that cannot be used (no asymmetric algorithm allowed, or a key that
 * imports for none of them): a configuration error, reported as such rather than as a bad token.
 */
export class PublicKeyConfigError extends Error {
  override readonly name = 'PublicKeyConfigError';
}

/** Thrown for a client token that is missing or does not verify; its message is safe to show. */
function unauthenticated(message: string) {
  return domainError('UNAUTHENTICATED', message, { invalidToken: true });
}

/**
 * Verifies client bearer tokens against a {@link JwtConfig}. Build one per process: the JWKS key set
 * is created once, and jose caches its keys, refetching (with a cooldown) when a token names an
 * unknown `kid`.
 */
export class JwtVerifier {
  private readonly source: KeySource;
  private readonly options: JWTVerifyOptions;
  private readonly verified = new LRUCache<string, VerifiedClaims>({ max: 10_000, ttl: 5 * 60_000 });
  /** Verifications running now, by token: concurrent requests with one token share one check. */
  private readonly verifying = new Map<string, Promise<VerifiedClaims>>();

  /** @throws Error when the configuration has no usable key or allows `none`. */
  constructor(private readonly config: JwtConfig) {
    if (config.algorithms.length === 0) throw new Error('JWT algorithms must not be empty.');
    if (config.algorithms.some((a) => a.toLowerCase() === 'none')) throw new Error('JWT algorithm "none" is not allowed.');
    if (config.jwksUrl) {
      this.source = {
        kind: 'jwks',
        getKey: createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: config.jwksCooldownMs ?? 30_000 }),
      };
    } else if (config.publicKeyPem) {
      const pem = config.publicKeyPem;
      const algs = config.algorithms.filter((a) => ASYMMETRIC_ALGS.has(a));
      if (algs.length === 0) throw new PublicKeyConfigError('JWT_PUBLIC_KEY needs an asymmetric algorithm in JWT_ALGORITHMS.');
      const keys = (async () => {
        const out = new Map<string, CryptoKey>();
        for (const alg of algs) {
          try {
            out.set(alg, await importSPKI(pem, alg));
          } catch {
            // This key type does not fit `alg` (an RSA key for ES256, ...); try the next one.
          }
        }
        if (out.size === 0) throw new PublicKeyConfigError(`JWT_PUBLIC_KEY cannot be used with any of ${algs.join(', ')}.`);
        return out;
      })();
      keys.catch(() => undefined); // reported on first use
      this.source = { kind: 'spki', keys };
    } else if (config.secret) {
      this.source = { kind: 'secret', key: new TextEncoder().encode(config.secret) };
    } else {
      throw new Error('No JWT key configured: set JWT_JWKS_URL, JWT_PUBLIC_KEY or JWT_SECRET.');
    }
    this.options = {
      algorithms: config.algorithms,
      requiredClaims: ['exp', 'sub', config.tenantClaim],
      ...(config.issuer ? { issuer: config.issuer } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
    };
  }

  /**
   * Verifies `token` and returns its claims.
   * @throws GraphQLError `UNAUTHENTICATED` (HTTP 401) with a short, client-safe reason.
   */
  async verify(token: string | undefined): Promise<VerifiedClaims> {
    if (!token) throw unauthenticated('A bearer token is required.');
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt * 1000 > Date.now()) return known;
      this.verified.delete(token);
      throw unauthenticated('The token has expired.');
    }
    let pending = this.verifying.get(token);
    if (!pending) {
      pending = this.verifyClaims(token).then((claims) => {
        this.verified.set(token, claims, { ttl: Math.min(5 * 60_000, Math.max(1, claims.expiresAt * 1000 - Date.now())) });
        return claims;
      });
      this.verifying.set(token, pending);
      const forget = () => this.verifying.delete(token);
      pending.then(forget, forget);
    }
    return pending;
  }

  /** Checks the signature and every claim rule of `token` (see the class doc). */
  private async verifyClaims(token: string): Promise<VerifiedClaims> {
    let payload: JWTPayload;
    try {
      payload = await this.verifyWithKey(token);
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired.');
      if (err instanceof joseErrors.JOSEError) throw unauthenticated('The token is invalid.');
      if (err instanceof PublicKeyConfigError) throw err;
      throw unauthenticated('The token is invalid.');
    }
    const tenant = payload[this.config.tenantClaim];
    if (typeof tenant !== 'string' || tenant.trim() === '') throw unauthenticated('The token has no tenant.');
    if (!isUuid(tenant)) throw unauthenticated("The token's tenant is not a tenant id.");
    const now = Math.floor(Date.now() / 1000);
    const tolerance = this.config.clockToleranceSeconds ?? 60;
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now + tolerance)) {
      throw unauthenticated('The token was issued in the future.');
    }
    const maxLifetime = this.config.maxLifetimeSeconds ?? 86_400;
    if (payload.exp! - (payload.iat ?? now) > maxLifetime) {
      throw unauthenticated(`The token lives longer than the ${maxLifetime} seconds allowed.`);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('The token has no subject.');
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    return { sub: payload.sub, tenantId: tenant.toLowerCase(), scopes: scope.split(' ').filter(Boolean), expiresAt: payload.exp! };
  }

  private async verifyWithKey(token: string): Promise<JWTPayload> {
    switch (this.source.kind) {
      case 'secret':
        return (await jwtVerify(token, this.source.key, this.options)).payload;
      case 'jwks':
        return (await jwtVerify(token, this.source.getKey, this.options)).payload;
      case 'spki': {
        const keys = await this.source.keys;
        // Pick the key imported for the token's `alg`; jwtVerify still checks `alg` against the allow-list.
        return (
          await jwtVerify(
            token,
            async (header) => {
              const key = header.alg ? keys.get(header.alg) : undefined;
              if (!key) throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
              return key;
            },
            this.options,
          )
        ).payload;
      }
    }
  }
}
