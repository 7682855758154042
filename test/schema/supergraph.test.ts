import { Kind, parse, print, type ObjectTypeDefinitionNode } from 'graphql';
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
    const subscription = parse(sdl).definitions.find(
      (d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Subscription',
    );
    const field = (name: string) => {
      const f = subscription!.fields!.find((x) => x.name.value === name)!;
      const graph = f.directives!.find((d) => d.name.value === 'join__field')!.arguments!.find((a) => a.name.value === 'graph')!.value;
      return `${name}(${f.arguments!.map((a) => `${a.name.value}: ${print(a.type)}`).join(', ')}): ${print(f.type)} @ ${print(graph)}`;
    };
    expect(field('orderUpdated')).toBe('orderUpdated(id: ID, after: String): Order! @ ORDERS');
    expect(field('notificationAdded')).toBe('notificationAdded(after: String): Notification! @ NOTIFICATIONS');
  });
});
