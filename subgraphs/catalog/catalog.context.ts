import type { RepositoryFactory, SubgraphContext } from '../shared/context';
import { ProductRepository } from './product/product.repository';

/** The catalog subgraph's repositories, bound to one tenant scope. */
export interface CatalogRepositories {
  products: ProductRepository;
}

/** Builds the catalog repositories on `scope` (a request's, or a unit of work's). */
export const catalogRepositories: RepositoryFactory<CatalogRepositories> = (scope) => ({ products: new ProductRepository(scope) });

/** The context of every catalog resolver. */
export type CatalogContext = SubgraphContext<CatalogRepositories>;
