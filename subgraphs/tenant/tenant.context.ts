import type { PlatformAccess } from '../../lib/db/tenant-database';
import type { RepositoryFactory, SubgraphContext } from '../shared/context';
import { TenantRepository } from './tenant/tenant.repository';
import { UserRepository } from './user/user.repository';

/** The tenant subgraph's repositories, bound to one tenant scope. */
export interface TenantRepositories {
  tenants: TenantRepository;
  users: UserRepository;
}

/** Builds the tenant subgraph's repositories on a scope; `platform` serves `createTenant` only. */
export function tenantRepositories(platform: PlatformAccess): RepositoryFactory<TenantRepositories> {
  return (scope) => ({ tenants: new TenantRepository(scope, platform), users: new UserRepository(scope) });
}

/** The context of every tenant-subgraph resolver. */
export type TenantSubgraphContext = SubgraphContext<TenantRepositories>;
