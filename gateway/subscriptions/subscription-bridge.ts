/**
 * Serves GraphQL subscriptions at the gateway over graphql-ws, since `@apollo/gateway` refuses to
 * execute them. A subscription never reaches a subgraph as such:
 *
 * 1. `connection_init` must carry `{ authorization: 'Bearer <jwt>' }`, checked with the same rules as
 *    HTTP (a platform admin may add `x-tenant-id`). A connection without a valid token is closed with
 *    4401 `Unauthorized` (not graphql-ws's default 4403 `Forbidden`, so clients can tell "log in
 *    again" from "not allowed"); a platform admin's malformed `x-tenant-id` closes it with 4400. The
 *    connection is closed with 4401 `Token expired` when the token's `exp` passes.
 * 2. Each `subscribe` is parsed and validated against the gateway's API schema. A subscription must
 *    select exactly one root field, `orderUpdated` or `notificationAdded`; it is rewritten once into
 *    the equivalent query (`orderUpdated { ... }` -> `orderUpdated: order(id: $__subjectId) { ... }`,
 *    fragments kept). Queries and mutations sent over the socket are executed through the gateway
 *    like HTTP requests.
 * 3. Events come from the tenant's stream (`streamKey(tenant, topic)`) through a shared
 *    {@link StreamHub}. For each matching event the rewritten query runs through Apollo
 *    (`executeOperation`) with the subscriber's principal, so every field is fetched with the
 *    subscriber's rights; an object the subscriber cannot see is skipped. Each message carries
 *    `extensions.cursor` (the stream entry id).
 * 4. `after: <cursor>` replays the entries after the cursor, then continues live, without gap or
 *    duplicate: the subscription attaches to the hub first (buffering live entries), replays history
 *    up to the hub's position, then delivers the buffered entries it has not replayed. A malformed
 *    cursor is `BAD_USER_INPUT`. A cursor whose {@link EventStreams.cursorStatus} is not `ok` is
 *    `CURSOR_EXPIRED` (`extensions.field = 'after'`), with one message when entries after it may have
 *    been trimmed (`expired`) and another when it is newer than anything the stream generated
 *    (`ahead`). `after: "0"` means "everything retained" and never expires.
 * 5. Each subscription queues at most {@link BridgeOptions.maxQueue} pending events and executes them
 *    one at a time, in stream order. A subscriber that falls further behind has its connection
 *    closed with 4429 `Subscriber too slow`; it can reconnect with its last cursor.
 * 6. Duplicates: an outbox relay that crashed between publishing and marking makes the next relay
 *    publish the same event again (same event id, new entry id). Each subscription remembers the
 *    event ids of its last {@link RECENT_IDS} queued events and drops an entry whose event id it has
 *    already queued, so a subscriber never sees an event twice.
 * 7. Fan-out cost: subscribers with the same tenant, scopes, rewritten query and variables share one
 *    execution per event ({@link SharedExecutor}; the key and why it leaves the user out are
 *    documented there), and at most {@link BridgeOptions.maxConcurrentExecutions} executions run at
 *    once per gateway process.
 */
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  parse,
  print,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { ApolloServer } from '@apollo/server';
import type { Context, Disposable, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { WebSocketServer } from 'ws';
import { domainError } from '../../lib/errors';
import type { DomainEventType, Topic } from '../../lib/events/domain-event';
import { streamKey } from '../../lib/events/domain-event';
import type { CursorStatus, EventStreams, StreamEntry } from '../../lib/events/event-log';
import { compareStreamIds, isValidCursor } from '../../lib/events/stream-id';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import { authenticateConnectionParams } from '../auth/principal';
import type { JwtVerifier } from '../auth/jwt-verifier';
import type { GatewayContext } from '../gateway-context';
import { SharedExecutor, RecentIds, executionKey, subscriptionMetrics } from './shared-executor';
import { StreamHub, type StreamAttachment } from './stream-hub';

/** Close code for a connection without a valid token. */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code for a subscriber whose queue overflowed. */
export const CLOSE_TOO_SLOW = 4429;
/** Longest setTimeout delay Node accepts (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
/** Event ids each subscription remembers to drop duplicates. */
export const RECENT_IDS = 1000;
/** Name of the variable the rewritten query receives the event's subject id in. */
export const SUBJECT_VARIABLE = '__subjectId';

/** How each live root field maps to a stream, event types and a query field. */
export const LIVE_FIELDS = {
  orderUpdated: { topic: 'orders', eventTypes: ['order.placed', 'order.status_changed'], queryField: 'order' },
  notificationAdded: { topic: 'notifications', eventTypes: ['notification.created'], queryField: 'notification' },
} as const satisfies Record<string, { topic: Topic; eventTypes: readonly DomainEventType[]; queryField: string }>;

type LiveFieldName = keyof typeof LIVE_FIELDS;

/** Options of {@link SubscriptionBridge}. */
export interface BridgeOptions {
  apollo: ApolloServer<GatewayContext>;
  eventStreams: EventStreams;
  verifier: JwtVerifier;
  logger: Logger;
  /** The gateway's current API schema (undefined until it has loaded). */
  getSchema: () => GraphQLSchema | undefined;
  /** Drop "Did you mean ...?" suggestions from validation errors (production; issue 3, security). */
  hideSchemaDetails?: boolean;
  /** Pending events per subscription before the connection is closed. */
  maxQueue: number;
  /** Concurrent operations per connection. */
  maxOperationsPerConnection: number;
  /** Most lexical tokens of a document. */
  maxTokens: number;
  /** Most subscription executions running at once in this process; others wait for a slot. */
  maxConcurrentExecutions: number;
  /** Share one execution per event among subscribers with the same key. */
  sharedExecutions: boolean;
}

/** What the connection stores in graphql-ws's `ctx.extra`. */
interface ConnectionExtra extends Record<PropertyKey, unknown> {
  principal: Principal;
}

type BridgeContext = Context<Record<string, unknown> | undefined, Extra & Partial<ConnectionExtra>>;

/** A subscription ready to run: everything derived once from the client's document. */
export interface LivePlan {
  kind: 'live';
  principal: Principal;
  stream: string;
  eventTypes: ReadonlySet<string>;
  /** Only events about this object (`orderUpdated(id:)`). */
  subjectId?: string;
  /** Replay the entries after this cursor first. */
  after?: string;
  /** The rewritten query, printed once. */
  query: string;
  /** Client variables the rewritten query uses. */
  variables: Record<string, unknown>;
  /** Response key of the root field (its alias, or the field name). */
  responseKey: string;
  /** Key under which subscribers share executions ({@link executionKey}). */
  executionKey: string;
  /** Closes the subscriber's connection (set by the bridge). */
  closeConnection?: (code: number, reason: string) => void;
}

/** A query or mutation sent over the socket. */
interface OperationPlan {
  kind: 'operation';
  principal: Principal;
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

type Plan = LivePlan | OperationPlan;

/** graphql-ws only accepts GraphQLError instances; rebuild them from Apollo's formatted errors. */
function toGraphQLError(e: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(e.message, { path: e.path, extensions: e.extensions });
}

/** `CURSOR_EXPIRED` on `after` for a cursor that is not `ok` ({@link CursorStatus}). */
function cursorExpired(status: Exclude<CursorStatus, 'ok'>): GraphQLError {
  const message =
    status === 'expired'
      ? 'after: the cursor is older than the retained events; subscribe without it and refetch.'
      : 'after: the cursor is newer than any event of this stream; subscribe without it and refetch.';
  return domainError('CURSOR_EXPIRED', message, { field: 'after' });
}

function internalError(): GraphQLError {
  return new GraphQLError('Internal server error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
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

/**
 * Rewrites the single root field of a subscription into the equivalent query:
 * `sub($id: ID, $x: Int) { orderUpdated(id: $id) { a(n: $x) } }` ->
 * `query($x: Int, $__subjectId: ID!) { orderUpdated: order(id: $__subjectId) { a(n: $x) } }`.
 * Root-field arguments (`id`, `after`) are dropped; variables used only by them are dropped too.
 */
export function buildLiveQuery(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  field: FieldNode,
  queryField: string,
): { document: DocumentNode; variableNames: string[] } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const newField: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: field.alias?.value ?? field.name.value },
    name: { kind: Kind.NAME, value: queryField },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'id' },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: SUBJECT_VARIABLE } },
      },
    ],
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
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: SUBJECT_VARIABLE } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Dependencies of a {@link LiveSubscription}. */
interface LiveDeps {
  hub: StreamHub;
  eventStreams: Pick<EventStreams, 'read'>;
  apollo: ApolloServer<GatewayContext>;
  logger: Logger;
  maxQueue: number;
  executor: SharedExecutor;
  /** Called once when the queue overflows (closes the connection). */
  onOverflow: () => void;
  /** Called once when the subscription ends, whatever the reason. */
  onEnd: () => void;
}

/**
 * One live subscription: an async iterator of execution results. It is its own iterator (not an
 * async generator) so that `return()` ends it at once even while `next()` waits for an event.
 */
export class LiveSubscription implements AsyncIterableIterator<ExecutionResult> {
  private pending: StreamEntry[] = [];
  private liveBuffer: StreamEntry[] = [];
  private replaying = false;
  /** Id of the last history entry read during replay. */
  private replayCursor = '0-0';
  private hubPosition = '0-0';
  private attachment?: StreamAttachment;
  private done = false;
  private wake?: () => void;
  private readonly seen = new RecentIds(RECENT_IDS);

  constructor(
    readonly plan: LivePlan,
    private readonly deps: LiveDeps,
  ) {}

  /** Attaches to the stream; call once before iterating. */
  async start(): Promise<void> {
    const attachment = await this.deps.hub.attach(this.plan.stream, (entries) => this.onLive(entries));
    if (this.done) {
      attachment.detach();
      return;
    }
    this.attachment = attachment;
    this.hubPosition = attachment.position;
    if (this.plan.after !== undefined) {
      this.replaying = true;
      this.replayCursor = this.plan.after;
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      const entry = await this.take();
      if (!entry) return { done: true, value: undefined };
      const result = await this.execute(entry);
      if (this.done) return { done: true, value: undefined };
      if (result) return { done: false, value: result };
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return { done: true, value: undefined };
  }

  async throw(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return { done: true, value: undefined };
  }

  /** Ends the subscription: detaches from the hub and releases a waiting `next()`. Idempotent. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.attachment?.detach();
    this.pending = [];
    this.liveBuffer = [];
    this.wake?.();
    this.deps.onEnd();
  }

  /** Queues `entry` unless its event id was queued before (a relay duplicate). */
  private enqueue(entry: StreamEntry): void {
    if (this.seen.add(entry.event.id)) this.pending.push(entry);
    else subscriptionMetrics.duplicatesDropped++;
  }

  private matches(entry: StreamEntry): boolean {
    const e = entry.event;
    return (
      e.tenantId === this.plan.principal.tenantId &&
      this.plan.eventTypes.has(e.type) &&
      (this.plan.subjectId === undefined || e.subjectId === this.plan.subjectId)
    );
  }

  private onLive(entries: readonly StreamEntry[]): void {
    if (this.done) return;
    for (const entry of entries) {
      if (!this.matches(entry)) continue;
      if (this.replaying) this.liveBuffer.push(entry);
      else this.enqueue(entry);
    }
    if (this.pending.length + this.liveBuffer.length > this.deps.maxQueue) {
      this.deps.logger.warn(
        { stream: this.plan.stream, queued: this.pending.length + this.liveBuffer.length },
        'subscriber too slow, closing its connection',
      );
      this.end();
      this.deps.onOverflow();
      return;
    }
    if (!this.replaying && this.pending.length > 0) this.wake?.();
  }

  private async take(): Promise<StreamEntry | undefined> {
    while (!this.done) {
      const next = this.pending.shift();
      if (next) return next;
      if (this.replaying) {
        await this.replayBatch();
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return undefined;
  }

  /** Reads the next page of history after the replay cursor, up to the hub's position. */
  private async replayBatch(): Promise<void> {
    let entries: StreamEntry[];
    try {
      entries = await this.deps.eventStreams.read(this.plan.stream, this.replayCursor, { count: 100 });
    } catch (err) {
      this.deps.logger.warn({ stream: this.plan.stream, err: (err as Error).message }, 'subscription replay: read failed, retrying');
      await sleep(500);
      return;
    }
    if (this.done) return;
    let caughtUp = entries.length === 0;
    for (const entry of entries) {
      if (compareStreamIds(entry.id, this.hubPosition) > 0) {
        caughtUp = true; // from here on the live buffer has it
        break;
      }
      this.replayCursor = entry.id;
      if (this.matches(entry)) this.enqueue(entry);
    }
    if (compareStreamIds(this.replayCursor, this.hubPosition) >= 0) caughtUp = true;
    if (caughtUp) {
      this.replaying = false;
      for (const entry of this.liveBuffer) if (compareStreamIds(entry.id, this.replayCursor) > 0) this.enqueue(entry);
      this.liveBuffer = [];
    }
  }

  /**
   * The result of the rewritten query for `entry`, shared with the subscribers of the same
   * execution key; undefined when there is nothing to send.
   */
  private execute(entry: StreamEntry): Promise<ExecutionResult | undefined> {
    return this.deps.executor.execute(this.plan.executionKey, entry.id, () => this.run(entry));
  }

  /** Runs the rewritten query for `entry`; never rejects. */
  private async run(entry: StreamEntry): Promise<ExecutionResult | undefined> {
    const { plan } = this;
    const extensions = { cursor: entry.id };
    try {
      const response = await this.deps.apollo.executeOperation(
        { query: plan.query, variables: { ...plan.variables, [SUBJECT_VARIABLE]: entry.event.subjectId } },
        { contextValue: { principal: plan.principal } },
      );
      if (response.body.kind !== 'single') {
        this.deps.logger.error({ kind: response.body.kind }, 'subscription: unexpected incremental result');
        return { data: null, errors: [internalError()], extensions };
      }
      const { data, errors } = response.body.singleResult;
      const value = (data as Record<string, unknown> | null | undefined)?.[plan.responseKey];
      const gqlErrors = errors?.length ? errors.map(toGraphQLError) : undefined;
      if ((value === null || value === undefined) && !gqlErrors) return undefined; // not visible to this subscriber
      return {
        data: value === null || value === undefined ? null : { [plan.responseKey]: value },
        ...(gqlErrors ? { errors: gqlErrors } : {}),
        extensions,
      };
    } catch (err) {
      this.deps.logger.error({ err: (err as Error).message, stream: plan.stream, entry: entry.id }, 'subscription: execution failed');
      return { data: null, errors: [internalError()], extensions };
    }
  }
}

/** See module doc. */
export class SubscriptionBridge {
  private readonly hub: StreamHub;
  private readonly live = new Set<LiveSubscription>();
  private readonly maxQueue: number;
  private readonly maxOperations: number;
  private readonly maxTokens: number;
  private readonly executor: SharedExecutor;
  private closed = false;

  constructor(private readonly options: BridgeOptions) {
    this.hub = new StreamHub(options.eventStreams, options.logger);
    this.executor = new SharedExecutor({ maxConcurrent: options.maxConcurrentExecutions, share: options.sharedExecutions });
    this.maxQueue = options.maxQueue;
    this.maxOperations = options.maxOperationsPerConnection;
    this.maxTokens = options.maxTokens;
  }

  /** Live subscriptions in this process (for tests and metrics). */
  get activeSubscriptions(): number {
    return this.live.size;
  }

  /** Serves graphql-ws on `wss`; dispose the result to close every socket. */
  listen(wss: WebSocketServer): Disposable {
    return useServer<Record<string, unknown> | undefined, ConnectionExtra>(
      {
        onConnect: (ctx) => this.onConnect(ctx),
        onSubscribe: (ctx, id, payload) => this.onSubscribe(ctx, id, payload),
        subscribe: (args) => this.subscribe(args),
        execute: (args) => this.execute(args),
      },
      wss,
    );
  }

  /** Ends every live subscription and stops the stream readers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const sub of [...this.live]) sub.end();
    await this.hub.close();
    this.executor.clear();
  }

  private async onConnect(ctx: BridgeContext): Promise<boolean> {
    try {
      const { principal, expiresAt } = await authenticateConnectionParams(this.options.verifier, ctx.connectionParams ?? {});
      ctx.extra.principal = principal;
      // The token is checked once, at connection_init: close the connection when it expires, so a
      // revoked-by-expiry token does not keep receiving events. Clients reconnect with a fresh one.
      const socket = ctx.extra.socket;
      const ms = Math.min(expiresAt * 1000 - Date.now(), MAX_TIMER_MS);
      const timer = setTimeout(
        () => {
          if (socket.readyState === socket.OPEN) socket.close(CLOSE_UNAUTHORIZED, 'Token expired');
        },
        Math.max(ms, 0),
      );
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
      return true;
    } catch (err) {
      const code = err instanceof GraphQLError ? err.extensions.code : undefined;
      if (code === 'BAD_USER_INPUT') {
        ctx.extra.socket.close(4400, (err as GraphQLError).message.slice(0, 120));
      } else {
        if (code !== 'UNAUTHENTICATED') this.options.logger.error({ err: (err as Error).message }, 'websocket authentication failed');
        ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
      }
      return false;
    }
  }

  private async onSubscribe(ctx: BridgeContext, _id: string, payload: SubscribePayload): Promise<ExecutionArgs | GraphQLError[]> {
    const principal = ctx.extra.principal;
    if (!principal) return [domainError('UNAUTHENTICATED', 'The connection is not authenticated.')];
    if (this.closed) return [new GraphQLError('The server is shutting down.', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
    if (Object.keys(ctx.subscriptions).length > this.maxOperations) {
      return [
        new GraphQLError(`At most ${this.maxOperations} operations may run on one connection.`, { extensions: { code: 'BAD_REQUEST' } }),
      ];
    }
    const schema = this.options.getSchema();
    if (!schema) return [new GraphQLError('The gateway is not ready.', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: this.maxTokens });
    } catch (err) {
      const e = err as GraphQLError;
      return [new GraphQLError(e.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    }
    const validationErrors = validate(schema, document);
    if (validationErrors.length > 0) {
      return validationErrors.map(
        (e) =>
          new GraphQLError(this.options.hideSchemaDetails ? e.message.replace(/ Did you mean(.+)\?$/, '') : e.message, {
            nodes: e.nodes,
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      );
    }
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return [new GraphQLError('Unable to identify the operation: name it with operationName.', { extensions: { code: 'BAD_REQUEST' } })];
    const variables = (payload.variables ?? {}) as Record<string, unknown>;

    let plan: Plan | GraphQLError[];
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
      plan = { kind: 'operation', principal, query: payload.query, operationName, variables };
    } else {
      plan = await this.planLive(schema, document, operation, variables, principal);
      if (Array.isArray(plan)) return plan;
      const socket = ctx.extra.socket;
      plan.closeConnection = (code, reason) => socket.close(code, reason);
    }
    return { schema, document, operationName, variableValues: variables, contextValue: plan };
  }

  /** Checks a subscription and derives its {@link LivePlan}; GraphQLErrors for the client otherwise. */
  private async planLive(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    principal: Principal,
  ): Promise<LivePlan | GraphQLError[]> {
    const fieldNames = Object.keys(LIVE_FIELDS).join(' or ');
    const selections = operation.selectionSet.selections;
    const field = selections[0];
    if (selections.length !== 1 || !field || field.kind !== Kind.FIELD || !(field.name.value in LIVE_FIELDS)) {
      return [domainError('BAD_USER_INPUT', `A subscription must select exactly one root field, ${fieldNames}, directly.`)];
    }
    if ((operation.variableDefinitions ?? []).some((d) => d.variable.name.value === SUBJECT_VARIABLE)) {
      return [domainError('BAD_USER_INPUT', `The variable name $${SUBJECT_VARIABLE} is reserved.`)];
    }
    const fieldName = field.name.value as LiveFieldName;
    const live = LIVE_FIELDS[fieldName];
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors) return coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } }));
    const fieldDef = schema.getSubscriptionType()?.getFields()[fieldName];
    if (!fieldDef) return [internalError()];
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(fieldDef, field, coerced.coerced);
    } catch (err) {
      return [new GraphQLError((err as Error).message, { extensions: { code: 'BAD_USER_INPUT' } })];
    }
    const stream = streamKey(principal.tenantId, live.topic);
    const after = typeof args.after === 'string' ? args.after : undefined;
    if (after !== undefined) {
      if (!isValidCursor(after)) return [domainError('BAD_USER_INPUT', 'after: the cursor is malformed.', { field: 'after' })];
      let status: CursorStatus;
      try {
        status = await this.options.eventStreams.cursorStatus(stream, after);
      } catch (err) {
        this.options.logger.error({ err: (err as Error).message, stream }, 'subscription: cannot read the stream retention');
        return [internalError()];
      }
      if (status !== 'ok') return [cursorExpired(status)];
    }
    const subjectId = 'id' in args && typeof args.id === 'string' ? args.id : undefined;
    const built = buildLiveQuery(document, operation, field, live.queryField);
    const builtErrors = validate(schema, built.document);
    if (builtErrors.length > 0) {
      this.options.logger.error({ errors: builtErrors.map((e) => e.message) }, 'subscription: the rewritten query does not validate');
      return [internalError()];
    }
    const keptVariables: Record<string, unknown> = {};
    for (const name of built.variableNames) if (name in variables) keptVariables[name] = variables[name];
    const query = print(built.document);
    return {
      kind: 'live',
      principal,
      stream,
      eventTypes: new Set<string>(live.eventTypes),
      ...(subjectId !== undefined ? { subjectId } : {}),
      ...(after !== undefined ? { after } : {}),
      query,
      variables: keptVariables,
      responseKey: field.alias?.value ?? field.name.value,
      executionKey: executionKey(principal.tenantId, principal.scopes, query, keptVariables),
    };
  }

  /** graphql-ws `subscribe`: starts a {@link LiveSubscription} for the plan made in onSubscribe. */
  private async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const plan = args.contextValue as Plan;
    if (plan.kind !== 'live') return this.execute(args);
    const sub: LiveSubscription = new LiveSubscription(plan, {
      hub: this.hub,
      eventStreams: this.options.eventStreams,
      apollo: this.options.apollo,
      logger: this.options.logger.child({ requestId: plan.principal.requestId, tenantId: plan.principal.tenantId }),
      maxQueue: this.maxQueue,
      executor: this.executor,
      onOverflow: () => plan.closeConnection?.(CLOSE_TOO_SLOW, 'Subscriber too slow'),
      onEnd: () => this.live.delete(sub),
    });
    this.live.add(sub);
    try {
      await sub.start();
    } catch (err) {
      sub.end();
      this.options.logger.error({ err: (err as Error).message }, 'subscription: cannot attach to the stream');
      return { errors: [internalError()] };
    }
    return sub;
  }

  /** graphql-ws `execute`: a query or mutation over the socket, run through the gateway. */
  private async execute(args: ExecutionArgs): Promise<ExecutionResult> {
    const plan = args.contextValue as Plan;
    if (plan.kind !== 'operation') return { errors: [internalError()] };
    try {
      const response = await this.options.apollo.executeOperation(
        { query: plan.query, operationName: plan.operationName, variables: plan.variables },
        { contextValue: { principal: plan.principal } },
      );
      if (response.body.kind !== 'single') return { errors: [internalError()] };
      const { data, errors, extensions } = response.body.singleResult;
      return {
        data: (data ?? null) as ExecutionResult['data'],
        ...(errors?.length ? { errors: errors.map(toGraphQLError) } : {}),
        ...(extensions ? { extensions } : {}),
      };
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message }, 'websocket operation failed');
      return { errors: [internalError()] };
    }
  }
}
