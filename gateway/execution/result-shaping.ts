/**
 * Result shaping of the gateway, compiled: the last step of running a query plan turns the data the
 * subgraph fetches merged together (with the key fields and `__typename`s the plan added) into the
 * response the operation asked for: its response names and field order, `@skip`/`@include`,
 * fragments by runtime type, `__typename`, null propagation from non-null fields and a check of
 * every leaf value (GraphQL spec, "Value Completion" and "Handling Field Errors").
 *
 * `@apollo/gateway` does this in `computeResponse` (dist/resultShaping.js) by interpreting its
 * `Operation` object for every value of the response: schema lookups, directive lookups and
 * `instanceof` checks per value, and null-prototype (dictionary-mode) output objects. It was the
 * largest item in the gateway's CPU profile (README, "Benchmarks"). {@link computeShapedResponse}
 * does the same, with the same results and the same errors, in two steps: it first compiles the
 * operation into a small tree of plain objects (one walk over the operation's selections, with
 * every schema fact the second step needs), then walks the data with it.
 *
 * The gateway's query plan executor (./query-plan-executor.ts) calls {@link shapeResponse} with the
 * shape it compiled once per document; where `@apollo/gateway`'s executor still runs (plans with
 * rewrites, traces), {@link computeShapedResponse} stands in for its `computeResponse`
 * (./install-execution.ts). Operations that select `__schema`/`__type`, or use the response name
 * `__proto__`, keep Apollo's shaping.
 */
import { ERRORS, isSubtype, type Operation, type Schema } from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';
import { ownValue } from './response-data';
import {
  compileShape,
  typeInfo,
  type CompiledShape,
  type Condition,
  type Conditions,
  type FragmentShape,
  type SelectionShape,
  type TypeInfo,
  type TypeShape,
} from './result-shape';

/** Input of `computeResponse` (`@apollo/gateway` dist/resultShaping.js, same names). */
export interface ComputeResponseInput {
  operation: Operation;
  variables?: Record<string, unknown>;
  /** The data merged from the subgraph fetches (null-prototype objects at the root). */
  input: Record<string, unknown> | null | undefined;
  /** Answers a `__schema`/`__type` selection (never called here: such operations keep Apollo's shaping). */
  introspectionHandling: (selection: unknown) => unknown;
}

/** Output of `computeResponse`: the shaped data (null when a null reached the root) and the errors found. */
export interface ComputeResponseOutput {
  data: Record<string, unknown> | null | undefined;
  errors: GraphQLError[];
}

/** `@apollo/gateway`'s `computeResponse`, replaced by {@link computeShapedResponse} (./install-execution.ts). */
export type ComputeResponse = (input: ComputeResponseInput) => ComputeResponseOutput;

/** State of one shaping run; `invalid`/`hasErrors` are the out-parameters of {@link updateValue}. */
interface Run {
  schema: Schema;
  variables: Record<string, unknown>;
  path: (string | number)[];
  errors: GraphQLError[];
  /** The value just returned must null its parent (a null in a non-null position). */
  invalid: boolean;
  /** An error was recorded for the value just returned. */
  hasErrors: boolean;
}

function invariant(ok: unknown, message: () => string): asserts ok {
  if (!ok) throw new Error(message());
}

function conditionValue(c: Condition, variables: Record<string, unknown>): boolean {
  if (typeof c === 'boolean') return c;
  const value = variables[c.variable];
  invariant(typeof value === 'boolean', () => `Unexpected value ${String(value)} for variable $${c.variable} of @skip/@include`);
  return value;
}

function skipped(conditions: Conditions, variables: Record<string, unknown>): boolean {
  return (
    (conditions.skip !== undefined && conditionValue(conditions.skip, variables)) ||
    (conditions.include !== undefined && !conditionValue(conditions.include, variables))
  );
}

function describeLast(path: (string | number)[], current: string, parent: TypeInfo): string {
  const element = path[path.length - 1];
  return typeof element === 'string' ? `field ${parent.name}.${element}` : `array element of type ${current} at index ${element}`;
}

function fragmentApplies(run: Run, fragment: FragmentShape, typename: string | undefined, parent: TypeInfo): boolean {
  const condition = fragment.typeCondition;
  if (!condition) return true;
  const name = typename || parent.name;
  let applies = fragment.applies.get(name);
  if (applies === undefined) {
    const runtime = typename ? typeInfo(run.schema, typename) : parent;
    if (!runtime) return false; // a name the schema does not have: not remembered, so such names cannot grow the map
    applies = isSubtype(condition.type, runtime.type);
    fragment.applies.set(name, applies);
  }
  return applies;
}

/** Applies `selections` of `input` to `output`; false when a null must propagate to the parent. */
function applySelections(
  run: Run,
  selections: SelectionShape[],
  input: Record<string, unknown>,
  output: Record<string, unknown>,
  parent: TypeInfo,
): boolean {
  for (const selection of selections) {
    if (selection.conditions && skipped(selection.conditions, run.variables)) continue;
    if (selection.kind === 'field') {
      const name = selection.responseName;
      const outputValue = selection.inherited ? ownValue(output, name) : output[name];
      let inputValue = (selection.inherited ? ownValue(input, name) : input[name]) ?? null;
      if (selection.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && name !== '__typename') inputValue = input.__typename ?? null;
          const type = (typeof inputValue === 'string' ? typeInfo(run.schema, inputValue) : null) ?? parent;
          if (!type.object) return false;
          output[name] = type.name;
        }
        continue;
      }
      run.path.push(name);
      output[name] = updateValue(run, outputValue, selection.type, inputValue, selection.selections, parent);
      run.path.pop();
      if (run.invalid) return false;
    } else {
      const typename = input.__typename;
      invariant(!typename || typeof typename === 'string', () => `Got unexpected value for __typename: ${String(typename)}`);
      if (fragmentApplies(run, selection, typename as string | undefined, parent)) {
        if (!applySelections(run, selection.selections, input, output, selection.typeCondition ?? parent)) return false;
      }
    }
  }
  return true;
}

/** The shaped value of one field or list element; sets `run.invalid` and `run.hasErrors`. */
function updateValue(
  run: Run,
  outputValue: unknown,
  type: TypeShape,
  inputValue: unknown,
  selections: SelectionShape[] | undefined,
  parent: TypeInfo,
): unknown {
  invariant(inputValue !== undefined, () => 'Should not pass undefined for `inputValue` to this method');
  run.invalid = false;
  run.hasErrors = false;
  if (outputValue === null || (outputValue !== undefined && !selections)) return outputValue;
  if (type.nonNull) {
    const updated = updateValue(run, outputValue, type.nonNull, inputValue, selections, parent);
    if (updated === null) {
      if (!run.hasErrors) {
        run.errors.push(
          ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describeLast(run.path, type.nonNull.printed, parent)}.`, {
            path: Array.from(run.path),
          }),
        );
      }
      run.invalid = true;
      run.hasErrors = true;
      return null;
    }
    run.invalid = false;
    run.hasErrors = false;
    return updated;
  }
  if (inputValue === null) return null;
  if (type.list) {
    invariant(
      Array.isArray(inputValue),
      () => `Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${type.printed}`,
    );
    invariant(
      outputValue === undefined || Array.isArray(outputValue),
      () => `Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${type.printed}`,
    );
    const existing = outputValue as unknown[] | undefined;
    invariant(
      !existing || existing.length === inputValue.length,
      () => `List lengths differ: ${inputValue.length} and ${existing!.length}`,
    );
    const updated = new Array<unknown>(inputValue.length);
    let nullify = false;
    let hasErrors = false;
    for (let i = 0; i < inputValue.length; i++) {
      run.path.push(i);
      updated[i] = updateValue(run, existing?.[i], type.list, inputValue[i], selections, parent);
      run.path.pop();
      nullify ||= run.invalid;
      hasErrors ||= run.hasErrors;
    }
    run.invalid = false;
    run.hasErrors = hasErrors;
    return nullify ? null : updated;
  }
  if (type.composite) {
    invariant(selections, () => `Invalid empty selection set for composite type ${type.printed}`);
    invariant(
      typeof inputValue === 'object',
      () => `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type.printed}`,
    );
    invariant(
      outputValue === undefined || typeof outputValue === 'object',
      () => `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type.printed}`,
    );
    const input = inputValue as Record<string, unknown>;
    const typename = input.__typename;
    invariant(
      typename === undefined || typeof typename === 'string',
      () => `Invalid non-string value ${String(typename)} for __typename at ${run.path.join(',')}`,
    );
    let runtime = type.composite;
    if (typename) {
      const info = typeInfo(run.schema, typename);
      if (!info || !info.composite) {
        run.errors.push(
          ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describeLast(run.path, type.printed, parent)}.`, {
            path: Array.from(run.path),
          }),
        );
        run.hasErrors = true;
        return null;
      }
      runtime = info;
    }
    const output = (outputValue as Record<string, unknown> | undefined) ?? {};
    const ok = applySelections(run, selections, input, output, runtime);
    run.invalid = false;
    run.hasErrors = !ok;
    return ok ? output : null;
  }
  invariant(outputValue === undefined, () => `Expected output to be undefined but got ${String(outputValue)} for type ${type.printed}`);
  if (type.leaf!(inputValue)) return inputValue;
  run.errors.push(
    ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describeLast(run.path, type.printed, parent)}.`, { path: Array.from(run.path) }),
  );
  run.hasErrors = true;
  return null;
}

/**
 * Shapes `input` (the merged data of the query plan's fetches) for the operation compiled in
 * `shape`, with the operation's `variables` (their defaults filled in). The data is null when a null
 * in a non-null position reached the root; `errors` are federation-internals `INVALID_GRAPHQL`
 * errors with the path of each null (`Cannot return null for non-nullable field T.f.`), invalid
 * `__typename` or invalid leaf value, the same errors `@apollo/gateway` reports.
 * @throws Error when the data does not have the operation's shape (a list where an object belongs,
 *   lists of different lengths): `@apollo/gateway` answers such a response with that error.
 */
export function shapeResponse(
  shape: CompiledShape,
  schema: Schema,
  variables: Record<string, unknown> | undefined,
  input: Record<string, unknown>,
): ComputeResponseOutput {
  const run: Run = {
    schema,
    variables: variables ? { ...shape.defaults, ...variables } : shape.defaults,
    path: [],
    errors: [],
    invalid: false,
    hasErrors: false,
  };
  const data: Record<string, unknown> = {};
  const ok = applySelections(run, shape.selections, input, data, shape.root);
  return { data: ok ? data : null, errors: run.errors };
}

/**
 * `computeResponse` of `@apollo/gateway`, compiled (module doc): compiles the operation, then
 * shapes; falls back to `fallback` (Apollo's) for the operations {@link compileShape} leaves to it.
 */
export function computeShapedResponse(args: ComputeResponseInput, fallback: ComputeResponse): ComputeResponseOutput {
  if (!args.input) return { data: args.input, errors: [] };
  const shape = compileShape(args.operation);
  if (!shape) return fallback(args);
  return shapeResponse(shape, args.operation.schema(), args.variables, args.input);
}
