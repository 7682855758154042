/**
 * Static cost of an operation, computed before any query plan from the schema, the operation and its
 * variables, after the algorithm of the IBM GraphQL Cost Directives specification that Apollo
 * Router's demand control implements:
 *
 * - a field costs the `@cost(weight:)` of its definition, else of its return type, else 1 for an
 *   object, interface or union and 0 for a scalar or enum; a mutation root field costs
 *   {@link CostOptions.mutationWeight} (10) unless it has its own `@cost`;
 * - an argument with `@cost` adds its weight when the operation passes it;
 * - a field that returns a list multiplies its cost (itself plus its selection) by the list's size:
 *   the largest value passed to one of its slicing arguments (`@listSize(slicingArguments:)`, or,
 *   without `@listSize`, its `first`/`last` arguments, default values included), else
 *   `@listSize(assumedSize:)`, else {@link CostOptions.defaultListSize};
 * - `@listSize(sizedFields:)` moves that size to the named child fields (the `edges` of a Relay
 *   connection); a field with `first`/`last` whose type has an `edges` list field is read as a Relay
 *   connection even without `@listSize`, so new paginated fields are costed before they are annotated;
 * - fragments count where they are spread; `__typename` and introspection fields cost nothing.
 *
 * The result is an upper estimate (both branches of `@include`/`@skip` count, every fragment of an
 * abstract type counts), which is what a ceiling should compare.
 */
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CostModel, ListSize } from './cost-model';

/** Options of {@link operationCost}. */
export interface CostOptions {
  /** Size of a list with no slicing argument and no `assumedSize` (default 10). */
  defaultListSize?: number;
  /** Cost of a mutation root field without `@cost` (default 10). */
  mutationWeight?: number;
}

/** Relay pagination arguments read as slicing arguments when a field has no `@listSize`. */
const RELAY_SLICING = ['first', 'last'];

interface Walk {
  schema: GraphQLSchema;
  model: CostModel;
  variables: Record<string, unknown>;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  defaultListSize: number;
  mutationWeight: number;
  mutationType: GraphQLCompositeType | undefined;
}

/** Fields of a composite type (none for a union: only `__typename` and fragments select on it). */
function fieldsOf(type: GraphQLCompositeType): Record<string, GraphQLField<unknown, unknown>> {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
}

/** The size a slicing argument gives, or the assumed one. */
function listSizeOf(walk: Walk, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, annotation?: ListSize): number {
  const slicing = annotation?.slicingArguments ?? RELAY_SLICING.filter((name) => field.args.some((a) => a.name === name));
  const given = slicing.map((name) => args[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (given.length > 0) return Math.max(0, ...given);
  return annotation?.assumedSize ?? walk.defaultListSize;
}

/** The child fields a Relay connection's size applies to, when the field has no `@listSize(sizedFields:)`. */
function relaySizedFields(field: GraphQLField<unknown, unknown>): readonly string[] | undefined {
  if (!field.args.some((a) => RELAY_SLICING.includes(a.name))) return undefined;
  const type = getNamedType(field.type);
  if (!isObjectType(type)) return undefined;
  const edges = type.getFields().edges;
  return edges && isListType(getNullableType(edges.type)) ? ['edges'] : undefined;
}

function selectionCost(
  walk: Walk,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  sized?: { fields: readonly string[]; size: number },
): number {
  let total = 0;
  const fields = fieldsOf(parent);
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      if (type && isCompositeType(type)) total += selectionCost(walk, selection.selectionSet, type, sized);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments.get(selection.name.value);
      const type = fragment && walk.schema.getType(fragment.typeCondition.name.value);
      if (fragment && type && isCompositeType(type)) total += selectionCost(walk, fragment.selectionSet, type, sized);
      continue;
    }
    const name = selection.name.value;
    const field = fields[name];
    if (!field || name.startsWith('__')) continue;
    const coordinate = `${parent.name}.${name}`;
    const named = getNamedType(field.type);
    const isMutationRoot = parent === walk.mutationType;
    let cost =
      walk.model.weights.get(coordinate) ??
      (isMutationRoot ? walk.mutationWeight : (walk.model.weights.get(named.name) ?? (isCompositeType(named) ? 1 : 0)));
    let args: Record<string, unknown> = {};
    try {
      args = getArgumentValues(field, selection, walk.variables);
    } catch {
      // Arguments that do not coerce are refused later by execution; cost them with defaults here.
    }
    for (const arg of selection.arguments ?? []) cost += walk.model.weights.get(`${coordinate}(${arg.name.value}:)`) ?? 0;
    const annotation = walk.model.listSizes.get(coordinate);
    const sizedFields = annotation?.sizedFields ?? (annotation ? undefined : relaySizedFields(field));
    const childSized = sizedFields ? { fields: sizedFields, size: listSizeOf(walk, field, args, annotation) } : undefined;
    if (selection.selectionSet && isCompositeType(named)) cost += selectionCost(walk, selection.selectionSet, named, childSized);
    let multiplier = 1;
    if (sized?.fields.includes(name)) multiplier = sized.size;
    else if (!sizedFields && isListType(getNullableType(field.type))) multiplier = listSizeOf(walk, field, args, annotation);
    total += cost * multiplier;
  }
  return total;
}

/**
 * The static cost of `operation` of `document` with `variables` (see the module doc); a
 * non-negative number (fractional never, unless `@cost` weights are).
 */
export function operationCost(
  schema: GraphQLSchema,
  model: CostModel,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  options: CostOptions = {},
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const walk: Walk = {
    schema,
    model,
    variables,
    fragments,
    defaultListSize: options.defaultListSize ?? 10,
    mutationWeight: options.mutationWeight ?? 10,
    mutationType: schema.getMutationType() ?? undefined,
  };
  return selectionCost(walk, operation.selectionSet, root);
}
