/**
 * The live query of a subscription: the GraphQL query the gateway runs for each event, derived once
 * from the client's subscription document. No I/O.
 *
 * A subscription selects exactly one live root field ({@link LIVE_FIELDS}); each maps to a stream
 * topic, the event types that concern it and the query field that reads the event's subject. The
 * field is rewritten into that query field, keeping its response key (alias or name), directives and
 * selection set, with the subject id as the only argument:
 *
 * `subscription S($id: ID, $x: Int) { orderUpdated(id: $id) { a(n: $x) ...F } } fragment F on Order { b }`
 * -> `query S($x: Int, $__subjectId: ID!) { orderUpdated: order(id: $__subjectId) { a(n: $x) ...F } } fragment F on Order { b }`
 *
 * The root field's own arguments (`id`, `after`) are read by the planner and dropped from the query;
 * so are the variables only they used, and the fragments the selection does not reach. The variable
 * {@link SUBJECT_VARIABLE} is reserved for the subject id.
 */
import {
  Kind,
  OperationTypeNode,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { DomainEventType, Topic } from '../../lib/events/domain-event';

/** Name of the variable the live query receives the event's subject id in (reserved in client documents). */
export const SUBJECT_VARIABLE = '__subjectId';

/** A live root field: the stream topic it reads, the event types that concern it and the query field of its subject. */
export interface LiveField {
  topic: Topic;
  eventTypes: readonly DomainEventType[];
  /** Query root field that reads the subject by id (`order(id:)`). */
  queryField: string;
}

/** How each live root field of the Subscription type maps to a stream, event types and a query field. */
export const LIVE_FIELDS = {
  orderUpdated: { topic: 'orders', eventTypes: ['order.placed', 'order.status_changed'], queryField: 'order' },
  notificationAdded: { topic: 'notifications', eventTypes: ['notification.created'], queryField: 'notification' },
} as const satisfies Record<string, LiveField>;

/** Name of a live root field. */
export type LiveFieldName = keyof typeof LIVE_FIELDS;

/** True when `name` is a live root field. */
export function isLiveFieldName(name: string): name is LiveFieldName {
  return Object.hasOwn(LIVE_FIELDS, name);
}

/** A rewritten live query. */
export interface LiveQuery {
  /** The query document: the rewritten operation, then the fragments it reaches. */
  document: DocumentNode;
  /** Client variables the query still uses, in definition order ({@link SUBJECT_VARIABLE} excluded). */
  variableNames: string[];
}

/** Fragments reachable from `root`, in document order. */
function reachableFragments(root: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const seen = new Set<string>();
  const stack: SelectionSetNode[] = [root];
  while (stack.length) {
    visit(stack.pop()!, {
      FragmentSpread(node) {
        const name = node.name.value;
        const def = fragments.get(name);
        if (!def || seen.has(name)) return;
        seen.add(name);
        stack.push(def.selectionSet);
      },
    });
  }
  return [...fragments.values()].filter((f) => seen.has(f.name.value));
}

/** Names of the variables used in `nodes` (not counting their definitions). */
function usedVariables(nodes: ReadonlyArray<SelectionSetNode | FragmentDefinitionNode>): Set<string> {
  const used = new Set<string>();
  for (const node of nodes) {
    visit(node, {
      VariableDefinition: () => false,
      Variable(v) {
        used.add(v.name.value);
      },
    });
  }
  return used;
}

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;

/**
 * Rewrites `field`, the single root field of the subscription `operation` of `document`, into the
 * live query that reads its subject through `queryField` (see the module doc). The input is not
 * checked here: the planner validates the document and the root field first, and the result again.
 */
export function buildLiveQuery(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  field: FieldNode,
  queryField: string,
): LiveQuery {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const newField: FieldNode = {
    kind: Kind.FIELD,
    alias: name(field.alias?.value ?? field.name.value),
    name: name(queryField),
    arguments: [{ kind: Kind.ARGUMENT, name: name('id'), value: { kind: Kind.VARIABLE, name: name(SUBJECT_VARIABLE) } }],
    directives: field.directives,
    selectionSet: field.selectionSet,
  };
  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: [newField] };
  const kept = reachableFragments(selectionSet, fragments);
  const used = usedVariables([selectionSet, ...kept]);
  const variableDefinitions: VariableDefinitionNode[] = (operation.variableDefinitions ?? []).filter((d) =>
    used.has(d.variable.name.value),
  );
  variableDefinitions.push({
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: name(SUBJECT_VARIABLE) },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('ID') } },
  });
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    ...(operation.name ? { name: operation.name } : {}),
    variableDefinitions,
    directives: [],
    selectionSet,
  };
  return {
    document: { kind: Kind.DOCUMENT, definitions: [query, ...kept] },
    variableNames: variableDefinitions.map((d) => d.variable.name.value).filter((n) => n !== SUBJECT_VARIABLE),
  };
}
