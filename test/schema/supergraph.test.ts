import { composeSupergraph } from '../../lib/schema/compose';
import { readCommittedSupergraph } from '../../lib/schema/subgraphs';

describe('schema/supergraph.graphql', () => {
  it('matches a fresh composition of schema/<subgraph>.graphql (run `npm run compose` when this fails)', () => {
    expect(readCommittedSupergraph()).toBe(composeSupergraph());
  });

  it('composes the contract names: entities with @key and both subscription fields', () => {
    const sdl = readCommittedSupergraph();
    for (const type of ['Tenant', 'User', 'Product', 'Order', 'Notification']) {
      expect(sdl).toMatch(new RegExp(`type ${type}\\n(\\s+@join__type\\(graph: \\w+, key: "id".*\\)\\n)+`));
    }
    expect(sdl).toMatch(/orderUpdated\(id: ID, after: String\): Order! @join__field\(graph: ORDERS\)/);
    expect(sdl).toMatch(/notificationAdded\(after: String\): Notification! @join__field\(graph: NOTIFICATIONS\)/);
  });
});
