/**
 * The contexts services run in: one typed object, built once per request (after the gateway
 * credential is verified) or once per event (the notifications consumer), passed explicitly to
 * resolvers, services and loaders. The tenant is bound once, in the database scope; every
 * repository of the context is built on it and takes no tenant argument.
 */
import type DataLoader from 'dataloader';
import type { TenantScope, TransactionOptions, UnitOfWork } from '../../lib/db/tenant-scope';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import type { OutboxRepository } from './outbox.repository';

/**
 * Per-request DataLoaders, created on first use. Keys name the loader (`product.byId`); loaders never
 * outlive the request, and every loader reads through the request's tenant scope, so no cache
 * crosses tenants.
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

/** Builds a subgraph's repositories on a tenant scope (the request's, or a unit of work's). */
export type RepositoryFactory<R> = (scope: TenantScope) => R;

/** What a service needs to act for one tenant: the bound scope, its repositories and the outbox. */
export interface TenantContext<R> {
  /** The tenant-bound database scope (lib/db/tenant-scope.ts). */
  db: TenantScope;
  /** The subgraph's repositories on {@link db}, built once. */
  repositories: R;
  /**
   * Runs `fn` as one unit of work: one transaction of this tenant, with the subgraph's repositories
   * built on it. Commits when `fn` resolves, rolls back when it throws.
   */
  transaction<T>(fn: (repositories: R, uow: UnitOfWork) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Writes domain events inside a unit of work (and wakes the relay after the commit). */
  outbox: OutboxRepository;
  loaders: LoaderRegistry;
  logger: Logger;
}

/** The context every resolver of a subgraph receives: a {@link TenantContext} of the request's principal. */
export interface SubgraphContext<R = unknown> extends TenantContext<R> {
  principal: Principal;
}

/** Builds the {@link TenantContext} of `scope` with the subgraph's `repositories` factory. */
export function createTenantContext<R>(
  scope: TenantScope,
  repositories: RepositoryFactory<R>,
  outbox: OutboxRepository,
  logger: Logger,
): TenantContext<R> {
  return {
    db: scope,
    repositories: repositories(scope),
    transaction: (fn, options) => scope.transaction((uow) => fn(repositories(uow), uow), options),
    outbox,
    loaders: new LoaderRegistry(),
    logger,
  };
}
