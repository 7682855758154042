/**
 * Apollo Server hashes the query of every request it serves (SHA-256, `computeQueryHash` in
 * `@apollo/server`'s request pipeline: the key of its parsed-document cache) through
 * `@apollo/utils.createhash`, whose `createHash` runs `module.require('crypto')` on every call.
 * Under a TypeScript loader (tsx, as `npm start`, the Dockerfile and the compose file run every
 * process), each such `require` goes through the loader's resolve hooks: about 2-3% of a subgraph's
 * CPU and 1% of the gateway's in `node --cpu-prof` profiles of the federation-tax benchmark, for a
 * module that is already loaded.
 *
 * {@link useNodeCryptoForQueryHashes} points that module's `createHash` export, which the request
 * pipeline reads at each call, at `node:crypto`'s own `createHash`: the same hash, resolved once.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';

/** The exports of `@apollo/utils.createhash` (2.x): `createHash(kind)`, a Node `Hash` on Node. */
interface ApolloCreateHashModule {
  createHash: (kind: string) => unknown;
}

/**
 * The `@apollo/utils.createhash` module instance that `@apollo/server` loads (resolved from the
 * folder of `@apollo/server`'s entry point, so a copy nested under it is the one found).
 */
export function apolloCreateHashModule(): ApolloCreateHashModule {
  const serverDir = dirname(require.resolve('@apollo/server'));
  return require(require.resolve('@apollo/utils.createhash', { paths: [serverDir] })) as ApolloCreateHashModule;
}

/** Whether {@link useNodeCryptoForQueryHashes} ran in this process. */
let installed = false;

/**
 * Makes Apollo Server's query hashing call `node:crypto`'s `createHash` directly (see the module
 * doc). Idempotent: resolves the module once per process. Call it before a server takes requests
 * (the gateway's and the subgraphs' starters do).
 */
export function useNodeCryptoForQueryHashes(): void {
  if (installed) return; // one process may start the gateway and four subgraphs (`npm start`)
  apolloCreateHashModule().createHash = createHash;
  installed = true;
}
