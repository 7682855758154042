/**
 * The gateway's query plan executor: runs the plan `@apollo/gateway` made for an operation (fetches
 * in sequence and in parallel, entity fetches with their representations at a flattened path) and
 * shapes the merged data with the compiled result shaping (./result-shaping.ts). Semantics follow
 * `@apollo/gateway`'s `executeQueryPlan` (same data, same errors, same paths; checked against it by
 * the tests), without what costs there on every request: rebuilding a federation-internals
 * `Operation` from the document, a protobuf trace node per plan node when no trace is captured,
 * null-prototype (dictionary-mode) objects for representations and merged data, and array copies
 * per path step.
 *
 * What it runs itself: plans of `Fetch`, `Sequence`, `Parallel` and `Flatten` nodes without data
 * rewrites (interface objects, `@fromContext`), for operations the result shaping compiles (no
 * `__schema`/`__type`, no `__proto__` response name), when no usage-reporting trace is captured.
 * Everything else (`@defer` conditions, rewrites, subscriptions, traces) goes to `fallback`,
 * `@apollo/gateway`'s own executor. It makes no OpenTelemetry spans of its own beyond the
 * gateway's (`gateway <operation>` and `subgraph fetch <name>`, lib/observability/tracing.ts).
 */
import { ERRORS, errorCodeDef, operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { ServiceMap } from '@apollo/gateway/dist/executeQueryPlan';
import type { OperationContext } from '@apollo/gateway/dist/operationContext';
import type { FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { deepMerge, ownValue, setOwn } from './response-data';
import { compileShape, type CompiledShape } from './result-shape';
import { shapeResponse } from './result-shaping';

/** `@apollo/gateway`'s `executeQueryPlan` signature. */
export type ExecuteQueryPlan = (
  queryPlan: QueryPlan,
  serviceMap: ServiceMap,
  requestContext: GatewayGraphQLRequestContext,
  operationContext: OperationContext,
  supergraphSchema: GraphQLSchema,
  apiSchema: Schema,
  telemetryConfig?: unknown,
) => Promise<GatewayExecutionResult>;

type Data = Record<string, unknown>;

/**
 * `@apollo/gateway`'s exported `generateHydratedPaths`: appends to `result` the response path of
 * every entity at `path` (`@` = each list element) of `data`, in the order their representations
 * were sent, so that an `_entities` error's index maps back into the response.
 */
export type HydratedPaths = (parent: ResponsePath, path: ResponsePath, data: Data | null, result: ResponsePath[]) => void;

/** Where a plan node reads and writes: the entities at `path` of the merged data. */
interface Cursor {
  path: ResponsePath;
  data: unknown;
  fullResult: Data;
}

/** One run of a plan: what every node reads, and the errors the fetches collect. */
interface Execution {
  serviceMap: ServiceMap;
  requestContext: GatewayGraphQLRequestContext;
  supergraphSchema: GraphQLSchema;
  hydratedPaths: HydratedPaths;
  errors: GraphQLError[];
}

/** Whether this executor runs `node` (module doc), remembered per plan. */
const runnablePlans = new WeakMap<QueryPlan, boolean>();

function runnable(node: PlanNode): boolean {
  switch (node.kind) {
    case 'Fetch':
      return !node.inputRewrites?.length && !node.outputRewrites?.length && !node.contextRewrites?.length;
    case 'Sequence':
    case 'Parallel':
      return node.nodes.every(runnable);
    case 'Flatten':
      return runnable(node.node);
    default:
      return false;
  }
}

/** The compiled shape of an operation (null: not compilable), per operation node and API schema. */
const shapes = new WeakMap<OperationDefinitionNode, { schema: Schema; shape: CompiledShape | null }>();

function shapeOf(operationContext: OperationContext, apiSchema: Schema): CompiledShape | null {
  const known = shapes.get(operationContext.operation);
  if (known?.schema === apiSchema) return known.shape;
  let shape: CompiledShape | null = null;
  try {
    const operation = operationFromDocument(
      apiSchema,
      { kind: Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] },
      { validate: false },
    );
    shape = compileShape(operation) ?? null;
  } catch {
    shape = null; // the fallback reports it as @apollo/gateway does
  }
  shapes.set(operationContext.operation, { schema: apiSchema, shape });
  return shape;
}

/**
 * What a `Flatten` node's `path` reaches from `value`: the value itself when the path has no `@`;
 * otherwise one flat list of what every list element (`@`) reaches, collected into `out` (absent
 * values left out: a fetch skips them anyway). A named step on a list is a plan/data mismatch.
 * @throws Error on such a mismatch: the request fails, as it does with `@apollo/gateway`'s executor.
 */
function flattenAt(value: unknown, path: ResponsePath, from: number, out: unknown[] | undefined): unknown {
  if (from === path.length) {
    if (out && Array.isArray(value)) out.push(...(value as unknown[]));
    else if (out) out.push(value);
    return value;
  }
  if (value === undefined || value === null) return value;
  const step = path[from]!;
  if (step === '@') {
    const list = out ?? [];
    for (const element of value as unknown[]) flattenAt(element, path, from + 1, list);
    return list;
  }
  if (typeof step !== 'string' || Array.isArray(value)) throw new Error(`Unexpected value at path element ${String(step)}`);
  return flattenAt(ownValue(value as Data, step), path, from + 1, out);
}

/** Answers of {@link isOfType} per supergraph schema, by condition and type name. */
const fragmentMatches = new WeakMap<GraphQLSchema, Map<string, boolean>>();

/**
 * Whether an object of `__typename` `typename` matches a `requires` inline fragment on `condition`:
 * the same type, or an object or interface type within the abstract type `condition` (as
 * `@apollo/gateway`'s `isObjectOfType`).
 */
function isOfType(schema: GraphQLSchema, typename: string, condition: string): boolean {
  if (typename === condition) return true;
  let known = fragmentMatches.get(schema);
  if (!known) fragmentMatches.set(schema, (known = new Map()));
  const key = `${condition}\u0000${typename}`;
  let matches = known.get(key);
  if (matches === undefined) {
    const type = schema.getType(typename);
    if (!type) return false; // not remembered: names the schema does not have cannot grow the map
    const conditionType = schema.getType(condition);
    matches =
      !!conditionType &&
      isAbstractType(conditionType) &&
      (isObjectType(type) || isInterfaceType(type)) &&
      schema.isSubType(conditionType, type);
    known.set(key, matches);
  }
  return matches;
}

/** The representation `selections` (a fetch's `requires`) select of `source`; null when a required field is absent. */
function representation(schema: GraphQLSchema, source: unknown, selections: readonly QueryPlanSelectionNode[]): Data | null {
  if (source === null) return null;
  const result: Data = {};
  const object = source as Data;
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const name = selection.alias ?? selection.name;
      const value = ownValue(object, name);
      if (value === undefined) return null;
      const nested = selection.selections;
      if (Array.isArray(value)) setOwn(result, name, nested ? value.map((v: unknown) => representation(schema, v, nested)) : value);
      else setOwn(result, name, nested ? representation(schema, value, nested) : value);
    } else if (selection.typeCondition && source) {
      const typename = object.__typename;
      if (typeof typename === 'string' && typename && isOfType(schema, typename, selection.typeCondition)) {
        deepMerge(result, representation(schema, source, selection.selections));
      }
    }
  }
  return result;
}

/** A subgraph error as the client sees it: its path in the operation's response, `extensions.serviceName`. */
function downstreamError(error: GraphQLFormattedError, serviceName: string, path: ResponsePath | undefined): GraphQLError {
  const message = error.message || `Error while fetching subquery from service "${serviceName}"`;
  const options = { originalError: error as Error, path, extensions: { ...error.extensions, serviceName } };
  const code = errorCodeDef(error);
  if (!code && error.extensions?.code) return new GraphQLError(message, options);
  return (code ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/** Maps a subgraph error's path into the operation's response (entity errors through the representations' positions). */
function errorPaths(
  fetch: FetchNode,
  cursor: Cursor,
  generateHydratedPaths: HydratedPaths,
): (path: readonly (string | number)[] | undefined) => ResponsePath | undefined {
  let hydrated: ResponsePath[] | undefined;
  return (path) => {
    if (fetch.requires && typeof path?.[1] === 'number') {
      if (!hydrated) generateHydratedPaths([], cursor.path, cursor.fullResult, (hydrated = []));
      return [...(hydrated[path[1]] ?? []), ...path.slice(2)];
    }
    return path ? [...cursor.path, ...path] : undefined;
  };
}

/** Sends `fetch` with `variables` to its subgraph; its errors go to `run.errors` with their paths in the response. */
async function send(
  run: Execution,
  service: GraphQLDataSource,
  fetch: FetchNode,
  cursor: Cursor,
  variables: Data,
): Promise<Data | null | undefined> {
  const response = await service.process({
    kind: 'incoming operation' as never, // GraphQLDataSourceRequestKind.INCOMING_OPERATION (the enum is not exported)
    request: { query: fetch.operation, variables, operationName: fetch.operationName },
    incomingRequestContext: run.requestContext,
    context: run.requestContext.context,
    document: fetch.operationDocumentNode,
    pathInIncomingRequest: cursor.path,
  });
  if (response.errors) {
    const toPath = errorPaths(fetch, cursor, run.hydratedPaths);
    run.errors.push(...response.errors.map((e) => downstreamError(e, fetch.serviceName, toPath(e.path))));
    if (!response.extensions?.ftv1) {
      const metrics = run.requestContext.metrics as { nonFtv1ErrorPaths?: { subgraph: string; path: unknown }[] };
      const paths = response.errors.map((e) => ({ subgraph: fetch.serviceName, path: e.path }));
      if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
      else metrics.nonFtv1ErrorPaths = paths;
    }
  }
  return response.data as Data | null | undefined;
}

async function executeFetch(run: Execution, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const service = run.serviceMap[fetch.serviceName];
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities = Array.isArray(cursor.data) ? (cursor.data as unknown[]).filter((e) => e !== null && e !== undefined) : [cursor.data];
  if (entities.length < 1) return;
  const variables: Data = {};
  const provided = run.requestContext.request.variables;
  for (const name of fetch.variableUsages ?? []) {
    if (provided && Object.prototype.hasOwnProperty.call(provided, name) && provided[name] !== undefined)
      setOwn(variables, name, provided[name]);
  }
  if (!fetch.requires) {
    const data = await send(run, service, fetch, cursor, variables);
    for (const entity of entities) deepMerge(entity as Data, data);
    return;
  }
  const representations: Data[] = [];
  const owners: Data[] = [];
  for (const entity of entities) {
    const rep = representation(run.supergraphSchema, entity, fetch.requires);
    if (rep && rep.__typename) {
      representations.push(rep);
      owners.push(entity as Data);
    }
  }
  if (representations.length < 1) return;
  if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
  const data = await send(run, service, fetch, cursor, { ...variables, representations });
  if (!data) return;
  const received = data._entities;
  if (!Array.isArray(received)) throw new Error('Expected "data._entities" in response to be an array');
  if (received.length !== representations.length)
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  for (let i = 0; i < owners.length; i++) {
    const entity = received[i] as Data | null;
    if (entity && !entity.__typename) entity.__typename = owners[i]!.__typename;
    deepMerge(owners[i]!, entity);
  }
}

async function executeNode(run: Execution, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(run, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(run, child, cursor)));
      return;
    case 'Flatten': {
      const data = flattenAt(cursor.data, node.path, 0, undefined);
      const next = data ? { path: cursor.path.concat(node.path), data, fullResult: cursor.fullResult } : undefined;
      return executeNode(run, node.node, next);
    }
    case 'Fetch':
      try {
        await executeFetch(run, node, cursor);
      } catch (err) {
        run.errors.push(err as GraphQLError);
      }
      return;
    default:
      throw new Error(`Unexpected plan node ${node.kind}`);
  }
}

/**
 * `executeQueryPlan` of this gateway (module doc): same arguments and result as `@apollo/gateway`'s,
 * which is `fallback` for what this one does not run. `hydratedPaths` is `@apollo/gateway`'s
 * exported `generateHydratedPaths` (entity error paths).
 */
export function createQueryPlanExecutor(fallback: ExecuteQueryPlan, hydratedPaths: HydratedPaths): ExecuteQueryPlan {
  return async (queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetryConfig) => {
    let plannable = runnablePlans.get(queryPlan);
    if (plannable === undefined) runnablePlans.set(queryPlan, (plannable = !queryPlan.node || runnable(queryPlan.node as PlanNode)));
    const shape = plannable && !requestContext.metrics?.captureTraces ? shapeOf(operationContext, apiSchema) : null;
    if (!shape) return fallback(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetryConfig);
    const run: Execution = { serviceMap, requestContext, supergraphSchema, hydratedPaths, errors: [] };
    const merged: Data = {};
    if (queryPlan.node) await executeNode(run, queryPlan.node as PlanNode, { path: [], data: merged, fullResult: merged });
    try {
      const { data, errors } = shapeResponse(shape, apiSchema, requestContext.request.variables, merged);
      if (run.errors.length === 0 && errors.length > 0) return { extensions: { valueCompletion: errors }, data };
      return run.errors.length === 0 ? { data } : { errors: run.errors, data };
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      return { errors: [new GraphQLError((error as Error).message, { originalError: error as Error })] };
    }
  };
}
