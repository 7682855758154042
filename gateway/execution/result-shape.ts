/**
 * The compiled form of an operation for result shaping (gateway/execution/result-shaping.ts): one
 * walk over a federation-internals `Operation`'s selections gives a tree of plain objects with every
 * schema fact shaping needs per value (response names, type wrapping, leaf checks, `@skip`/`@include`
 * arguments, fragment type conditions), so that shaping the data does no schema lookup per value.
 */
import {
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  Variable,
  type CompositeType,
  type NamedType,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';

/** What a runtime type name stands for, computed once per schema. */
export interface TypeInfo {
  name: string;
  object: boolean;
  composite: boolean;
  type: NamedType;
}

/** A `@skip` or `@include` argument: a literal or a variable name. */
export type Condition = boolean | { variable: string };

/** The `@skip(if:)` and `@include(if:)` of a selection; a selection without either has none. */
export interface Conditions {
  skip?: Condition;
  include?: Condition;
}

/** The type of a field at one level of its wrapping. */
export interface TypeShape {
  /** The type printed as in the schema (`[Product!]`), for error messages. */
  printed: string;
  nonNull?: TypeShape;
  list?: TypeShape;
  composite?: TypeInfo;
  /** Whether a leaf value is valid for this (scalar or enum) type. */
  leaf?: (value: unknown) => boolean;
}

/** A field selection: its response name, its type and, for a composite type, its subselections. */
export interface FieldShape {
  kind: 'field';
  conditions?: Conditions;
  responseName: string;
  /** The response name is also an `Object.prototype` property: read it as an own property only. */
  inherited: boolean;
  /** A `__typename` selection (answered from the runtime type, never from the subgraphs alone). */
  typename: boolean;
  type: TypeShape;
  selections?: SelectionShape[];
}

/** An inline fragment or a fragment spread: selections applied when its type condition matches. */
export interface FragmentShape {
  kind: 'fragment';
  conditions?: Conditions;
  /** The fragment's type condition (none: applies to every type). */
  typeCondition?: TypeInfo;
  /** Whether the type condition applies, by runtime type name (filled as names are seen). */
  applies: Map<string, boolean>;
  selections: SelectionShape[];
}

/** One compiled selection. */
export type SelectionShape = FieldShape | FragmentShape;

/** An operation compiled for shaping; undefined when it must keep Apollo's shaping. */
export interface CompiledShape {
  root: TypeInfo;
  selections: SelectionShape[];
  /** Default values of the operation's variables. */
  defaults: Record<string, unknown>;
}

/** `^-?(?:0|[1-9][0-9]*)$`: the text of an integer (federation-internals' `isValidLeafValue`). */
const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;

/** Type facts by name, per schema. */
const typeInfos = new WeakMap<Schema, Map<string, TypeInfo>>();

/**
 * What type `name` of `schema` is, or null when the schema has no such type (a name the data
 * carries in `__typename`). Known names are remembered per schema; unknown ones are not, so data
 * cannot grow the map.
 */
export function typeInfo(schema: Schema, name: string): TypeInfo | null {
  let byName = typeInfos.get(schema);
  if (!byName) typeInfos.set(schema, (byName = new Map()));
  let info = byName.get(name);
  if (info === undefined) {
    const type = schema.type(name);
    if (!type) return null;
    info = { name: type.name, object: isObjectType(type), composite: isCompositeType(type), type };
    byName.set(name, info);
  }
  return info;
}

/**
 * The leaf check of `type`, with the rules of federation-internals' `isValidLeafValue`: a custom
 * scalar takes anything; `Boolean` a boolean; `Int` and `ID` an integer number; `Float` a finite
 * number; an enum one of its values' names; any string type but `Boolean`, `Int` and `Float` a string.
 */
function leafCheck(schema: Schema, type: NamedType): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  const isBoolean = type === schema.booleanType();
  const isInt = type === schema.intType();
  const isInteger = isInt || type === schema.idType();
  const isFloat = type === schema.floatType();
  const enumValues = isEnumType(type) ? new Set(type.values.map((v) => v.name)) : undefined;
  return (value) => {
    if (typeof value === 'boolean') return isBoolean;
    if (typeof value === 'number' && isFinite(value)) return isInteger ? INTEGER_TEXT.test(String(value)) : isFloat;
    if (typeof value === 'string') return enumValues ? enumValues.has(value) : !isBoolean && !isInt && !isFloat;
    return false;
  };
}

function typeShape(schema: Schema, type: Type): TypeShape {
  const printed = type.toString();
  if (isNonNullType(type)) return { printed, nonNull: typeShape(schema, type.ofType) };
  if (isListType(type)) return { printed, list: typeShape(schema, type.ofType) };
  const named = type as NamedType;
  if (isCompositeType(named)) return { printed, composite: typeInfo(schema, named.name)! };
  return { printed, leaf: leafCheck(schema, named) };
}

function condition(element: { appliedDirectivesOf(d: unknown): { arguments(): { if: unknown } }[] }, directive: unknown) {
  const applied = element.appliedDirectivesOf(directive)[0];
  if (!applied) return undefined;
  const arg = applied.arguments().if;
  return arg instanceof Variable ? { variable: arg.name } : Boolean(arg);
}

class Unsupported extends Error {}

function compileSelections(schema: Schema, selectionSet: SelectionSet, memo: Map<SelectionSet, SelectionShape[]>): SelectionShape[] {
  const known = memo.get(selectionSet);
  if (known) return known;
  const shapes: SelectionShape[] = [];
  memo.set(selectionSet, shapes);
  for (const selection of selectionSet.selections()) {
    const element = selection.element as never as {
      appliedDirectivesOf(d: unknown): { arguments(): { if: unknown } }[];
    };
    const skip = condition(element, schema.skipDirective());
    const include = condition(element, schema.includeDirective());
    const conditions = skip === undefined && include === undefined ? undefined : { skip, include };
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      if (field.definition.isSchemaIntrospectionField()) throw new Unsupported('introspection');
      const responseName = field.responseName();
      if (responseName === '__proto__') throw new Unsupported('__proto__');
      shapes.push({
        kind: 'field',
        conditions,
        responseName,
        inherited: responseName in Object.prototype,
        typename: field.name === '__typename',
        type: typeShape(schema, field.definition.type!),
        selections: selection.selectionSet ? compileSelections(schema, selection.selectionSet, memo) : undefined,
      });
    } else {
      const typeCondition = selection.element.typeCondition as CompositeType | undefined;
      shapes.push({
        kind: 'fragment',
        conditions,
        typeCondition: typeCondition ? typeInfo(schema, typeCondition.name)! : undefined,
        applies: new Map(),
        selections: compileSelections(schema, selection.selectionSet, memo),
      });
    }
  }
  return shapes;
}

/**
 * Compiles `operation` for {@link shapeResponse}; undefined when the operation selects `__schema` or
 * `__type` or uses the response name `__proto__` (those keep `@apollo/gateway`'s shaping).
 */
export function compileShape(operation: Operation): CompiledShape | undefined {
  const schema = operation.schema();
  try {
    return {
      root: typeInfo(schema, schema.schemaDefinition.rootType(operation.rootKind)!.name)!,
      selections: compileSelections(schema, operation.selectionSet, new Map()),
      defaults: operation.collectDefaultedVariableValues(),
    };
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}
