/**
 * The cost annotations of the supergraph: Federation's `@cost(weight:)` and
 * `@listSize(assumedSize:, slicingArguments:, sizedFields:, requireOneSlicingArgument:)` (Apollo's
 * cost spec `https://specs.apollo.dev/cost/v0.1`, the IBM GraphQL Cost Directives), written in the
 * subgraph SDLs (schema/*.graphql) and carried into schema/supergraph.graphql by `npm run compose`.
 * `@apollo/gateway`'s API schema drops directives, so they are read from the supergraph SDL itself.
 */
import { Kind, parse, type ConstDirectiveNode, type ConstValueNode, type DocumentNode } from 'graphql';

/** `@listSize` of a field. */
export interface ListSize {
  /** Size assumed when no slicing argument gives one. */
  assumedSize?: number;
  /** Arguments whose value is the size of the list (`first`, `last`, ...); the largest given one counts. */
  slicingArguments?: readonly string[];
  /** Child fields the size applies to instead of the field itself (`edges` of a Relay connection). */
  sizedFields?: readonly string[];
}

/** Cost annotations by coordinate: `Type` (types), `Type.field` (fields), `Type.field(arg:)` (arguments). */
export interface CostModel {
  /** `@cost(weight:)` of types, fields and arguments, by coordinate. */
  weights: ReadonlyMap<string, number>;
  /** `@listSize` of fields, by `Type.field`. */
  listSizes: ReadonlyMap<string, ListSize>;
}

/** The directive names of the cost spec, however the supergraph imports them. */
const COST = new Set(['cost', 'cost__cost', 'federation__cost']);
const LIST_SIZE = new Set(['listSize', 'cost__listSize', 'federation__listSize']);

function argument(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

function intArg(directive: ConstDirectiveNode, name: string): number | undefined {
  const v = argument(directive, name);
  return v?.kind === Kind.INT ? Number(v.value) : undefined;
}

function stringListArg(directive: ConstDirectiveNode, name: string): string[] | undefined {
  const v = argument(directive, name);
  if (v?.kind === Kind.LIST) return v.values.flatMap((x) => (x.kind === Kind.STRING ? [x.value] : []));
  return v?.kind === Kind.STRING ? [v.value] : undefined;
}

/** Reads `@cost` and `@listSize` from `document` (a supergraph or subgraph SDL). */
export function costModelOf(document: DocumentNode): CostModel {
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const readCost = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    for (const d of directives ?? []) {
      const weight = COST.has(d.name.value) ? intArg(d, 'weight') : undefined;
      if (weight !== undefined) weights.set(coordinate, weight);
    }
  };
  for (const def of document.definitions) {
    if (!('name' in def) || !def.name || !('directives' in def)) continue;
    const type = def.name.value;
    readCost(type, def.directives as readonly ConstDirectiveNode[] | undefined);
    if (!('fields' in def) || !def.fields) continue;
    for (const field of def.fields) {
      const coordinate = `${type}.${field.name.value}`;
      readCost(coordinate, field.directives);
      if (field.kind === Kind.FIELD_DEFINITION) {
        for (const arg of field.arguments ?? []) readCost(`${coordinate}(${arg.name.value}:)`, arg.directives);
      }
      for (const d of field.directives ?? []) {
        if (!LIST_SIZE.has(d.name.value)) continue;
        listSizes.set(coordinate, {
          assumedSize: intArg(d, 'assumedSize'),
          slicingArguments: stringListArg(d, 'slicingArguments'),
          sizedFields: stringListArg(d, 'sizedFields'),
        });
      }
    }
  }
  return { weights, listSizes };
}

/** {@link costModelOf} the SDL text `sdl`. */
export function costModelOfSdl(sdl: string): CostModel {
  return costModelOf(parse(sdl));
}
