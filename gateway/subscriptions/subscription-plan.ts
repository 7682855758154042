/**
 * Plans a GraphQL request received by a subscription transport, once, before anything runs. The
 * planner is transport-neutral: it takes the schema, the request and the principal, never a
 * connection, so graphql-ws (graphql-ws.adapter.ts) and any other transport share it.
 *
 * 1. The request passes the admission pipeline (gateway/admission/admission.ts), as HTTP requests do:
 *    trusted documents and persisted queries, parse and validation within the document limits,
 *    introspection rights, NUL characters, static cost and the tenant's and user's budgets.
 * 2. A query or mutation becomes an {@link OperationPlan}: the transport runs it through the gateway
 *    like an HTTP request.
 * 3. A subscription must select exactly one live root field (live-query.ts) and must not define the
 *    reserved variable; its variables and root arguments are coerced (GraphQL spec, "Coercing
 *    Variable Values" and "Coercing Field Arguments"). The events it receives come from the tenant's
 *    stream (`streamKey(tenant, topic)`), filtered by event type and, for `orderUpdated(id:)`, by
 *    subject.
 * 4. `after: <cursor>` asks for a replay of the entries after the cursor. A cursor that is not a
 *    stream id Redis accepts is `BAD_USER_INPUT`; one whose {@link EventStreams.cursorStatus} is not
 *    `ok` is `CURSOR_EXPIRED`, with one message when entries after it may have been trimmed
 *    (`expired`) and another when it is newer than anything the stream generated (`ahead`). Both carry
 *    `extensions.field = 'after'`. `after: "0"` means "everything retained". A cursor check that fails
 *    or does not answer within `streamTimeoutMs` (Redis unreachable) is `SERVICE_UNAVAILABLE`.
 * 5. The live query (live-query.ts) is built, validated, put in normal form when it can be
 *    (selection-normalizer.ts: aliases, field order, fragments and operation names do not matter),
 *    printed once, and given its execution key (shared-executor.ts), so subscribers with the same
 *    key share executions and each reads the shared result into its own shape.
 *
 * Every rejection is a list of GraphQLErrors with `extensions.code` for the client; nothing is
 * started and nothing changes.
 */
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isObjectType,
  print,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { domainError } from '../../lib/errors';
import { streamKey } from '../../lib/events/domain-event';
import type { CursorStatus, EventStreams } from '../../lib/events/event-log';
import { isValidCursor } from '../../lib/events/stream-id';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import type { Admission } from '../admission/admission';
import { withoutHttp } from '../admission/admission-error';
import { internalServerError } from '../execute-operation';
import { LIVE_FIELDS, SUBJECT_VARIABLE, buildLiveQuery, isLiveFieldName } from './live-query';
import { normalizeLiveQuery, type TypeNames } from './selection-normalizer';
import { executionKey } from './shared-executor';

/** A request as a transport received it. */
export interface PlanInput {
  /** The gateway's current API schema. */
  schema: GraphQLSchema;
  /** The document's text (absent when the client names a trusted document or persisted query). */
  query?: string;
  /** A trusted document's id (The Guild's persisted documents). */
  documentId?: unknown;
  /** The request's extensions (`persistedQuery` of Apollo's APQ and trusted documents). */
  extensions?: unknown;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  /** Who the request acts as (authenticated by the transport). */
  principal: Principal;
  /**
   * A resume cursor the transport carries outside the document (SSE's `Last-Event-ID`): a
   * subscription treats it exactly like `after:` and it wins over the document's `after`; errors
   * about it name the field `Last-Event-ID`. Ignored by queries and mutations.
   */
  resumeAfter?: string;
}

/** Dependencies and limits of {@link planRequest}. */
export interface PlannerOptions {
  /** Cursor checks of `after`. */
  eventStreams: Pick<EventStreams, 'cursorStatus'>;
  logger: Logger;
  /** The admission pipeline every operation passes first. */
  admission: Admission;
  /** Most milliseconds to wait for the cursor check of `after` (default 3,000). */
  streamTimeoutMs?: number;
}

/** What every plan carries: who runs it and the client's parsed, validated document. */
interface PlanBase {
  principal: Principal;
  document: DocumentNode;
  operationName?: string;
  /** The client's variables, as sent. */
  variables: Record<string, unknown>;
}

/** A query or mutation: run through the gateway like an HTTP request. */
export interface OperationPlan extends PlanBase {
  kind: 'operation';
  /** The document's text (as sent, or resolved from its id). */
  query: string;
}

/** A subscription ready to run: everything derived once from the client's document. */
export interface LivePlan extends PlanBase {
  kind: 'live';
  /** Key of the tenant's stream the events come from. */
  stream: string;
  /** Event types that concern the subscription. */
  eventTypes: ReadonlySet<string>;
  /** Only events about this object (`orderUpdated(id:)`). */
  subjectId?: string;
  /** Replay window: the entries after this cursor are replayed before the live ones. */
  after?: string;
  /** The live query, printed once. */
  liveQuery: string;
  /** The client variables the live query uses. */
  liveVariables: Record<string, unknown>;
  /** Response key of the root field for the subscriber (its alias, or the field name). */
  responseKey: string;
  /** Response key of the root field in the live query's result. */
  resultKey: string;
  /** Reads the live query's root value into the subscriber's shape (normalized live queries); identity when absent. */
  project?: (value: unknown) => unknown;
  /**
   * The subscriber's live query before normalization, printed: subscribers with the same shape key
   * read a shared result into the same message (shaped-results.ts).
   */
  shapeKey: string;
  /** Key under which subscribers share executions ({@link executionKey}). */
  executionKey: string;
}

/** A request refused before anything ran. */
export interface RejectedPlan {
  kind: 'rejected';
  /** Errors for the client, each with `extensions.code`. */
  errors: GraphQLError[];
}

/** Named type of a field of an object type of `schema`, for fragment type conditions. */
function typeNames(schema: GraphQLSchema): TypeNames {
  return (typeName, fieldName) => {
    const type = typeName ? schema.getType(typeName) : undefined;
    const field = type && isObjectType(type) ? type.getFields()[fieldName] : undefined;
    return field ? getNamedType(field.type).name : undefined;
  };
}

/** `CURSOR_EXPIRED` on `field` (`after`, or SSE's `Last-Event-ID`) for a cursor that is not `ok` ({@link CursorStatus}). */
function cursorExpired(status: Exclude<CursorStatus, 'ok'>, field: string): GraphQLError {
  const message =
    status === 'expired'
      ? `${field}: the cursor is older than the retained events; subscribe without it and refetch.`
      : `${field}: the cursor is newer than any event of this stream; subscribe without it and refetch.`;
  return domainError('CURSOR_EXPIRED', message, { field });
}

const rejected = (...errors: GraphQLError[]): RejectedPlan => ({ kind: 'rejected', errors });

/** `promise`, or a rejection once `ms` passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
const badInput = (error: { message: string }) => new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * The plan of `input` (see the module doc). Rejections and their `extensions.code`: those of the
 * admission pipeline (gateway/admission/admission.ts, README "Limits, cost and rate limits"),
 * `BAD_USER_INPUT` (not one live root field, the reserved variable, variables or arguments that do
 * not coerce, a malformed cursor), `CURSOR_EXPIRED` (`after` not retained, or ahead of the stream),
 * `SERVICE_UNAVAILABLE` (the cursor check failed or did not answer in time; logged),
 * `INTERNAL_SERVER_ERROR` (the live query does not validate; logged). Never rejects its promise.
 */
export async function planRequest(input: PlanInput, options: PlannerOptions): Promise<OperationPlan | LivePlan | RejectedPlan> {
  const { schema, principal } = input;
  const admitted = await options.admission.admit(schema, {
    principal,
    query: input.query,
    documentId: input.documentId,
    extensions: input.extensions,
    operationName: input.operationName,
    variables: input.variables,
  });
  if (admitted.kind === 'refused') return rejected(...admitted.errors.map(withoutHttp));
  const { document, operation } = admitted;
  const operationName = input.operationName ?? undefined;
  const variables = input.variables ?? {};
  const base: PlanBase = { principal, document, ...(operationName !== undefined ? { operationName } : {}), variables };
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return { kind: 'operation', ...base, query: admitted.query };

  const selections = operation.selectionSet.selections;
  const field = selections[0];
  if (selections.length !== 1 || !field || field.kind !== Kind.FIELD || !isLiveFieldName(field.name.value)) {
    const names = Object.keys(LIVE_FIELDS).join(' or ');
    return rejected(domainError('BAD_USER_INPUT', `A subscription must select exactly one root field, ${names}, directly.`));
  }
  if ((operation.variableDefinitions ?? []).some((d) => d.variable.name.value === SUBJECT_VARIABLE)) {
    return rejected(domainError('BAD_USER_INPUT', `The variable name $${SUBJECT_VARIABLE} is reserved.`));
  }
  const live = LIVE_FIELDS[field.name.value];
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return rejected(...coerced.errors.map(badInput));
  const fieldDef = schema.getSubscriptionType()?.getFields()[field.name.value];
  if (!fieldDef) {
    options.logger.error({ field: field.name.value }, 'subscription: the live root field is not in the schema');
    return rejected(internalServerError());
  }
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(fieldDef, field, coerced.coerced);
  } catch (err) {
    return rejected(badInput(err as Error));
  }

  const stream = streamKey(principal.tenantId, live.topic);
  const after = input.resumeAfter ?? (typeof args.after === 'string' ? args.after : undefined);
  const cursorField = input.resumeAfter !== undefined ? 'Last-Event-ID' : 'after';
  if (after !== undefined) {
    if (!isValidCursor(after)) {
      return rejected(domainError('BAD_USER_INPUT', `${cursorField}: the cursor is malformed.`, { field: cursorField }));
    }
    let status: CursorStatus;
    try {
      status = await within(options.eventStreams.cursorStatus(stream, after), options.streamTimeoutMs ?? 3_000);
    } catch (err) {
      options.logger.warn({ err: (err as Error).message, stream }, 'subscription: cannot check the cursor against the stream');
      return rejected(new GraphQLError('The event stream is unreachable; retry later.', { extensions: { code: 'SERVICE_UNAVAILABLE' } }));
    }
    if (status !== 'ok') return rejected(cursorExpired(status, cursorField));
  }

  const built = buildLiveQuery(document, operation, field, live.queryField);
  const builtErrors = validate(schema, built.document);
  if (builtErrors.length > 0) {
    options.logger.error({ errors: builtErrors.map((e) => e.message) }, 'subscription: the live query does not validate');
    return rejected(internalServerError());
  }
  const responseKey = field.alias?.value ?? field.name.value;
  const normalized = normalizeLiveQuery(built.document, live.queryField, getNamedType(fieldDef.type).name, typeNames(schema));
  const liveVariables: Record<string, unknown> = {};
  if (!normalized) for (const name of built.variableNames) if (name in variables) liveVariables[name] = variables[name];
  const shapeKey = print(built.document);
  const liveQuery = normalized?.query ?? shapeKey;
  // The live query runs at each event: have it planned now, off the event loop, within the deadline.
  const slow = await options.admission.planAhead(principal.tenantId, liveQuery);
  if (slow) return rejected(withoutHttp(slow));
  const subjectId = typeof args.id === 'string' ? args.id : undefined;
  return {
    kind: 'live',
    ...base,
    stream,
    eventTypes: new Set<string>(live.eventTypes),
    ...(subjectId !== undefined ? { subjectId } : {}),
    ...(after !== undefined ? { after } : {}),
    liveQuery,
    liveVariables,
    responseKey,
    resultKey: normalized?.resultKey ?? responseKey,
    ...(normalized ? { project: normalized.project } : {}),
    shapeKey,
    executionKey: executionKey(principal.tenantId, principal.scopes, liveQuery, liveVariables),
  };
}
