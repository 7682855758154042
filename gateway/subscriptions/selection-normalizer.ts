/**
 * Normal form of a live query, so that subscriptions which differ only in aliases, field order,
 * fragments or operation names share one execution per event (shared-executor.ts), each subscriber
 * then receiving the shared result in its own shape. No I/O.
 *
 * The normal form of `query Mine($__subjectId: ID!) { mine: order(id: $__subjectId) { b: status ...F } } fragment F on Order { id }`
 * is `query($__subjectId: ID!) { order(id: $__subjectId) { id status } }`: fragments inlined,
 * aliases dropped, fields merged and sorted by name, no operation name. A subscriber's projection
 * reads that result back into its own response keys and order.
 *
 * Only selections whose meaning does not depend on aliases are normalized: fields without arguments
 * and without directives, fragments on the type they are spread in. Any other live query (a field
 * with arguments, `@include`/`@skip`, a fragment on another type) is left as it is and shares
 * executions only with identical ones.
 */
import {
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { SUBJECT_VARIABLE } from './live-query';

/** A live query in normal form and how a subscriber reads its results. */
export interface NormalizedLiveQuery {
  /** The normal form, printed. */
  query: string;
  /** Response key of the root field in the normal form's result (the query field's name). */
  resultKey: string;
  /** Reads the root field's value of the normal form's result into the subscriber's shape. */
  project(value: unknown): unknown;
}

/** Merged selection: field name -> its merged sub-selection (null for a leaf). */
type Tree = Map<string, Tree | null>;

/** The selection sets and fields of `set`, with fragments inlined; undefined when it cannot be normalized. */
function collect(
  set: SelectionSetNode,
  typeName: string | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  out: FieldNode[] = [],
  anyType = false,
): FieldNode[] | undefined {
  for (const s of set.selections) {
    if (s.directives && s.directives.length > 0) return undefined;
    if (s.kind === Kind.FIELD) {
      if (s.arguments && s.arguments.length > 0) return undefined;
      out.push(s);
    } else {
      const fragment = s.kind === Kind.FRAGMENT_SPREAD ? fragments.get(s.name.value) : s;
      if (!fragment) return undefined;
      const condition = fragment.typeCondition?.name.value;
      if (!anyType && condition !== undefined && condition !== typeName) return undefined;
      if (s.kind === Kind.FRAGMENT_SPREAD && fragment.directives && fragment.directives.length > 0) return undefined;
      if (!collect(fragment.selectionSet, typeName, fragments, out, anyType)) return undefined;
    }
  }
  return out;
}

/** Merges the selection of `set` into `tree`; false when some part cannot be normalized. */
function merge(
  tree: Tree,
  set: SelectionSetNode,
  typeName: string | undefined,
  types: TypeNames,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): boolean {
  const fields = collect(set, typeName, fragments);
  if (!fields) return false;
  for (const f of fields) {
    const name = f.name.value;
    if (!f.selectionSet) {
      if (tree.get(name) instanceof Map) return false;
      tree.set(name, null);
      continue;
    }
    let sub = tree.get(name);
    if (sub === null) return false;
    if (!sub) {
      sub = new Map();
      tree.set(name, sub);
    }
    if (!merge(sub, f.selectionSet, types(typeName, name), types, fragments)) return false;
  }
  return true;
}

function print(tree: Tree): string {
  const names = [...tree.keys()].sort();
  return `{ ${names.map((n) => (tree.get(n) ? `${n} ${print(tree.get(n)!)}` : n)).join(' ')} }`;
}

/** The named type of field `field` of type `typeName`, for fragment type conditions. */
export type TypeNames = (typeName: string | undefined, field: string) => string | undefined;

/** Reads `value` (a normal-form result) into the shape of `selections` (already normalizable). */
function projector(
  selections: readonly SelectionSetNode[],
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): (value: unknown) => unknown {
  // Group the fields by response key, first occurrence first; a key selected twice merges its selections.
  const byKey = new Map<string, { name: string; sets: SelectionSetNode[] }>();
  for (const set of selections) {
    for (const f of collect(set, undefined, fragments, [], true) ?? []) {
      const key = f.alias?.value ?? f.name.value;
      const part = byKey.get(key) ?? { name: f.name.value, sets: [] };
      if (f.selectionSet) part.sets.push(f.selectionSet);
      byKey.set(key, part);
    }
  }
  const parts = [...byKey].map(([key, p]) => ({ key, name: p.name, sub: p.sets.length > 0 ? projector(p.sets, fragments) : undefined }));
  const project = (value: unknown): unknown => {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map(project);
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const p of parts) {
      const v = source[p.name];
      out[p.key] = p.sub && v !== undefined ? p.sub(v) : (v ?? null);
    }
    return out;
  };
  return project;
}

/**
 * The normal form of the live query `document` (built by live-query.ts: one operation selecting
 * `queryField(id: $__subjectId)` under the subscriber's response key), or undefined when it uses
 * anything the module doc leaves out. `rootType` is the query field's type name; `types` resolves
 * nested field types for fragment conditions.
 */
export function normalizeLiveQuery(
  document: DocumentNode,
  queryField: string,
  rootType: string,
  types: TypeNames,
): NormalizedLiveQuery | undefined {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const root = operation?.selectionSet.selections[0];
  if (!operation || !root || root.kind !== Kind.FIELD || !root.selectionSet || (root.directives?.length ?? 0) > 0) return undefined;
  if ((operation.variableDefinitions ?? []).some((d) => d.variable.name.value !== SUBJECT_VARIABLE)) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const tree: Tree = new Map();
  if (!merge(tree, root.selectionSet, rootType, types, fragments)) return undefined;
  return {
    query: `query($${SUBJECT_VARIABLE}: ID!) { ${queryField}(id: $${SUBJECT_VARIABLE}) ${print(tree)} }`,
    resultKey: queryField,
    project: projector([root.selectionSet], fragments),
  };
}
