/** Composes the benchmark scenario's supergraph with `@apollo/composition`. */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { BENCH_SUBGRAPHS, FEDERATION_SUBGRAPH_SDL, type BenchSubgraphName } from './subgraphs';

/**
 * Returns the supergraph SDL with each subgraph at `urls[name]`.
 * @throws Error with the composition errors when the subgraphs do not compose.
 */
export function composeBenchSupergraph(urls: Readonly<Record<BenchSubgraphName, string>>): string {
  const result = composeServices(
    BENCH_SUBGRAPHS.map((name) => ({ name, url: urls[name], typeDefs: parse(FEDERATION_SUBGRAPH_SDL[name]) })),
  );
  if (result.errors?.length || !result.supergraphSdl) {
    throw new Error(`benchmark supergraph does not compose: ${(result.errors ?? []).map((e) => e.message).join('; ')}`);
  }
  return result.supergraphSdl;
}
