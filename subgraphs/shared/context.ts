/**
 * The subgraph request context: one typed object, built per request after the gateway credential is
 * verified, passed explicitly to resolvers, services and repositories.
 */
import type DataLoader from 'dataloader';
import type { TenantDb } from '../../lib/db/tenant-scope';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';

/**
 * Per-request DataLoaders, created on first use. Keys name the loader (`product.byId`); loaders never
 * outlive the request, and every loader filters on the request's tenant, so no cache crosses tenants.
 */
export class LoaderRegistry {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  /** The loader named `name`, made by `create` on first use in this request. */
  get<K, V>(name: string, create: () => DataLoader<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(name) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = create();
      this.loaders.set(name, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}

/** Hooks a subgraph's services call after committing a write. */
export interface SubgraphEvents {
  /** An outbox row was committed: wake the relay. */
  outboxWritten(): void;
}

/** The context every resolver of every subgraph receives. */
export interface SubgraphContext {
  principal: Principal;
  /**
   * Database handle of the app role (row-level security). Repositories reach it only through
   * `withTenant(db, principal.tenantId, ...)` (lib/db/tenant-scope.ts) and also filter every query on
   * `principal.tenantId`.
   */
  db: TenantDb;
  loaders: LoaderRegistry;
  events: SubgraphEvents;
  logger: Logger;
}
