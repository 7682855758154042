/**
 * The principal: who a request acts as. Built by the gateway from the client's JWT, carried to the
 * subgraphs in a gateway-signed credential (lib/auth/internal-credential.ts).
 */
export interface Principal {
  /** Tenant the request acts for: the token's tenant claim, or `x-tenant-id` for a platform admin. */
  tenantId: string;
  /** The user (`sub` claim). */
  userId: string;
  /** Scopes from the token's space-separated `scope` claim. */
  scopes: readonly string[];
  /** Correlation id of the client request, for logs. */
  requestId: string;
}

/** Scopes the schema uses (README, "Tokens and scopes"). Reading one's own tenant needs none of them. */
export const Scope = {
  CatalogWrite: 'catalog:write',
  OrdersWrite: 'orders:write',
  TenantAdmin: 'tenant:admin',
  PlatformAdmin: 'platform:admin',
} as const;

/** One of the schema's scopes. */
export type ScopeName = (typeof Scope)[keyof typeof Scope];

/** True when the principal holds `scope`. */
export function hasScope(principal: Principal, scope: ScopeName): boolean {
  return principal.scopes.includes(scope);
}
