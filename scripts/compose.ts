/**
 * `npm run compose`: composes schema/<subgraph>.graphql into schema/supergraph.graphql with
 * @apollo/composition. `--check` exits 1 instead of writing when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { composeSupergraph } from '../lib/schema/compose';
import { SUPERGRAPH_PATH, readCommittedSupergraph } from '../lib/schema/subgraphs';

const check = process.argv.includes('--check');
const sdl = composeSupergraph();
if (check) {
  if (readCommittedSupergraph() !== sdl) {
    console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit it.');
    process.exit(1);
  }
  console.log('schema/supergraph.graphql is up to date.');
} else {
  writeFileSync(SUPERGRAPH_PATH, sdl);
  console.log(`Wrote ${SUPERGRAPH_PATH}`);
}
