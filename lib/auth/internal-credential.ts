/**
 * Gateway -> subgraph credential: a short-lived HS256 JWT signed by the gateway with the internal
 * secret, `aud` = the subgraph's name, carrying the principal. Subgraphs verify it before executing
 * anything (`_service` and `_entities` included), so a request that did not come through the gateway,
 * or that was minted for another subgraph, is refused. Clients never see or send it.
 */
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../principal';
import { isUuid } from '../uuid';

/** `iss` of every gateway credential. */
export const GATEWAY_ISSUER = 'urn:supergraph:gateway';
/** Lifetime of a credential, seconds. */
export const CREDENTIAL_TTL_S = 300;
/** A cached credential is reused until this many seconds before it expires. */
const REFRESH_BEFORE_EXPIRY_S = 60;

/** Why a credential was refused. */
export class InvalidCredentialError extends Error {}

function key(secret: string): Uint8Array {
  if (secret.length < 32) throw new Error('INTERNAL_JWT_SECRET must be at least 32 characters.');
  return new TextEncoder().encode(secret);
}

/**
 * Signs credentials for the gateway and caches them per (subgraph, principal) until shortly before
 * expiry, so a query plan with many fetches signs once, not once per fetch.
 */
export class CredentialSigner {
  private readonly secret: Uint8Array;
  private readonly cache = new Map<string, { token: string; refreshAt: number }>();

  constructor(secret: string) {
    this.secret = key(secret);
  }

  /** Returns a credential for `principal` with audience `subgraph` (a subgraph name). */
  async sign(principal: Principal, subgraph: string): Promise<string> {
    const scope = principal.scopes.join(' ');
    const cacheKey = `${subgraph}\u0000${principal.tenantId}\u0000${principal.userId}\u0000${scope}`;
    const now = Math.floor(Date.now() / 1000);
    const hit = this.cache.get(cacheKey);
    if (hit && hit.refreshAt > now) return hit.token;
    const token = await new SignJWT({ tid: principal.tenantId, scope })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(GATEWAY_ISSUER)
      .setAudience(subgraph)
      .setSubject(principal.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + CREDENTIAL_TTL_S)
      .sign(this.secret);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { token, refreshAt: now + CREDENTIAL_TTL_S - REFRESH_BEFORE_EXPIRY_S });
    return token;
  }
}

/** What {@link CredentialVerifier} keeps of a verified credential. */
interface VerifiedCredential {
  principal: Readonly<Omit<Principal, 'requestId'>>;
  /** `exp`, ms since the epoch. */
  expiresAtMs: number;
}

/**
 * Verifies gateway credentials in a subgraph. A verified credential is kept (up to 10,000, until its
 * `exp`): the gateway reuses one credential per principal and subgraph for minutes
 * ({@link CredentialSigner}), so a subgraph checks its HMAC once per principal, not once per request
 * (profiles of the deployed supergraph showed jose at 5-13% of each subgraph's CPU). A token is only
 * kept after its signature, issuer, audience and claims passed, and only the exact token string hits.
 */
export class CredentialVerifier {
  private readonly secret: Uint8Array;
  private readonly verified = new LRUCache<string, VerifiedCredential>({ max: 10_000 });

  constructor(
    secret: string,
    private readonly subgraph: string,
  ) {
    this.secret = key(secret);
  }

  /**
   * Verifies `token` (signature, `iss`, `aud` = this subgraph, `exp`) and returns the principal
   * without a request id (the caller adds it; the object is shared between the requests of one
   * credential, so it is frozen).
   * @throws InvalidCredentialError for any failure, with a reason meant for logs, not clients.
   */
  async verify(token: string): Promise<Readonly<Omit<Principal, 'requestId'>>> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAtMs > Date.now()) return known.principal;
      this.verified.delete(token);
      throw new InvalidCredentialError('gateway credential rejected: ERR_JWT_EXPIRED');
    }
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: GATEWAY_ISSUER,
        audience: this.subgraph,
        requiredClaims: ['exp', 'sub', 'tid'],
      });
      if (typeof payload.tid !== 'string' || typeof payload.sub !== 'string') {
        throw new InvalidCredentialError('credential claims have the wrong types');
      }
      // The tenant becomes every query's row-level-security setting: only a tenant id (UUID) will do.
      if (!isUuid(payload.tid)) throw new InvalidCredentialError('credential tenant is not a tenant id');
      const scope = typeof payload.scope === 'string' ? payload.scope : '';
      const principal = Object.freeze({
        tenantId: payload.tid.toLowerCase(),
        userId: payload.sub,
        scopes: Object.freeze(scope.split(' ').filter(Boolean)) as string[],
      });
      this.verified.set(token, { principal, expiresAtMs: payload.exp! * 1000 });
      return principal;
    } catch (err) {
      if (err instanceof InvalidCredentialError) throw err;
      const reason = err instanceof joseErrors.JOSEError ? err.code : 'malformed';
      throw new InvalidCredentialError(`gateway credential rejected: ${reason}`);
    }
  }
}
