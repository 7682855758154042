/**
 * Serves GraphQL over WebSocket with graphql-ws (`graphql-transport-ws` protocol) at the gateway,
 * since `@apollo/gateway` refuses to execute subscriptions:
 *
 * 1. `connection_init` must carry `{ authorization: 'Bearer <jwt>' }`, checked with the same rules as
 *    HTTP (a platform admin may add `x-tenant-id`). A connection without a valid token is closed with
 *    4401 `Unauthorized` (not graphql-ws's default 4403 `Forbidden`, so clients can tell "log in
 *    again" from "not allowed"); a platform admin's malformed `x-tenant-id` closes it with 4400. The
 *    token is checked once, so the connection is closed with 4401 `Token expired` when its `exp`
 *    passes; clients reconnect with a fresh one.
 *    A tenant or user holding its cap of sockets (gateway/admission/connection-caps.ts) has the new
 *    connection closed with 4429 `Too many sockets`.
 * 2. Each `subscribe` message is planned (subscription-plan.ts), which admits it through the same
 *    pipeline as HTTP (limits, cost, budgets: errors with the same codes). Queries and mutations run
 *    through the gateway like HTTP requests (gateway/execute-operation.ts), in the tenant's turn of the
 *    fair scheduler; subscriptions start a live subscription (live-subscriptions.ts) within the
 *    tenant's and user's subscription caps (`RATE_LIMITED`). At most `maxOperationsPerConnection`
 *    operations run at once on a connection.
 * 3. A subscriber that falls more than `maxQueue` entries behind has its connection closed with 4429
 *    `Subscriber too slow`; it can reconnect with its last cursor.
 * 4. A live subscription's results are written by {@link deliverLive}, not by graphql-ws's
 *    per-message path: the same `next` message, but its payload serialised once per event and shape
 *    for every socket (shaped-results.ts), handed to the socket without waiting while it holds less
 *    than {@link SOCKET_HIGH_WATER_BYTES} unsent, else one write awaited before the next (as
 *    graphql-ws does for every message), so a socket that does not drain keeps its subscription's
 *    queue growing until item 3 applies.
 */
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context, Disposable, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { ApolloServer } from '@apollo/server';
import { domainError } from '../../lib/errors';
import type { OperationRecord } from '../../lib/observability/operation-metrics';
import { runWithRequestContext, type RequestContext } from '../../lib/observability/request-context';
import { SpanKind, withSpan } from '../../lib/observability/tracing';
import type { Principal } from '../../lib/principal';
import { withoutHttp } from '../admission/admission-error';
import type { ConnectionCaps } from '../admission/connection-caps';
import type { JwtVerifier } from '../auth/jwt-verifier';
import type { TenantScheduler } from '../fairness/tenant-scheduler';
import { inTenantTurn } from '../fairness/tenant-turn';
import { authenticateConnectionParams } from '../auth/principal';
import { executeOperation, internalServerError } from '../execute-operation';
import type { GatewayContext } from '../gateway-context';
import type { LiveSubscription } from './live-subscription';
import type { LiveSubscriptions } from './live-subscriptions';
import { resultJson } from './shaped-results';
import { planRequest, type LivePlan, type OperationPlan, type PlannerOptions } from './subscription-plan';

/** Close code of a connection without a valid (or with an expired) token. */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code of a connection whose `connection_init` is malformed (a platform admin's bad `x-tenant-id`). */
export const CLOSE_BAD_REQUEST = 4400;
/**
 * Close code of a connection one of whose subscribers fell more than `maxQueue` entries behind, or
 * opened beyond the tenant's or user's socket cap.
 */
export const CLOSE_TOO_SLOW = 4429;
/**
 * Bytes a socket may hold unsent (`WebSocket.bufferedAmount`: ws's and the TCP socket's buffers)
 * before a live delivery waits for its write to finish. Below it a result is handed to the socket
 * without waiting; at or above it each write is awaited, so a client that does not read keeps its
 * subscription's queue growing until `maxQueue` closes its connection.
 */
export const SOCKET_HIGH_WATER_BYTES = 64 * 1024;
/** Longest setTimeout delay Node accepts (about 24.8 days), ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Options of {@link serveGraphQLWs}. */
export interface GraphQLWsAdapterOptions extends PlannerOptions {
  apollo: ApolloServer<GatewayContext>;
  verifier: JwtVerifier;
  /** The gateway's current API schema (undefined until it has loaded). */
  getSchema: () => GraphQLSchema | undefined;
  liveSubscriptions: LiveSubscriptions;
  /** Operations running at once on one connection. */
  maxOperationsPerConnection: number;
  /** Called once per query or mutation answered over the socket (metrics, access log). */
  onOperation?: (record: OperationRecord) => void;
  /** Socket and subscription caps per tenant and user. */
  caps: ConnectionCaps;
  /** Slots of queries and mutations in flight, shared between tenants in turn (the HTTP scheduler). */
  scheduler: TenantScheduler;
}

/** What a connection stores in graphql-ws's `ctx.extra`. */
interface ConnectionExtra extends Record<PropertyKey, unknown> {
  principal: Principal;
  /** Places under the caps the connection holds, all given back when it closes (one `close` listener). */
  releases: Set<() => void>;
}

type ConnectionContext = Context<Record<string, unknown> | undefined, Extra & Partial<ConnectionExtra>>;

/** The `contextValue` handed from `onSubscribe` to `subscribe`/`execute`: the plan and its connection. */
interface SocketOperation {
  plan: OperationPlan | LivePlan;
  /** The operation's id on its connection (the `subscribe` message's `id`). */
  id: string;
  socket: WebSocket;
  closeConnection: (code: number, reason: string) => void;
  /** Gives back the subscription's place under the caps (live plans). */
  release?: () => void;
}

const unavailable = (message: string) => new GraphQLError(message, { extensions: { code: 'SERVICE_UNAVAILABLE' } });

/** Serves graphql-ws on `wss`; dispose the result to close every socket. */
export function serveGraphQLWs(wss: WebSocketServer, options: GraphQLWsAdapterOptions): Disposable {
  const { logger, liveSubscriptions } = options;

  const onConnect = async (ctx: ConnectionContext): Promise<boolean> => {
    const socket = ctx.extra.socket;
    try {
      const { principal, expiresAt } = await authenticateConnectionParams(options.verifier, ctx.connectionParams ?? {});
      const socketCap = options.caps.openSocket(principal);
      if (typeof socketCap !== 'function') {
        socket.close(CLOSE_TOO_SLOW, 'Too many sockets');
        return false;
      }
      const releases = new Set<() => void>([socketCap]);
      socket.once('close', () => {
        for (const release of releases) release();
        releases.clear();
      });
      ctx.extra.principal = principal;
      ctx.extra.releases = releases;
      const ms = Math.min(expiresAt * 1000 - Date.now(), MAX_TIMER_MS);
      const timer = setTimeout(
        () => {
          if (socket.readyState === socket.OPEN) socket.close(CLOSE_UNAUTHORIZED, 'Token expired');
        },
        Math.max(ms, 0),
      );
      timer.unref();
      releases.add(() => clearTimeout(timer));
      return true;
    } catch (err) {
      const code = err instanceof GraphQLError ? err.extensions.code : undefined;
      if (code === 'BAD_USER_INPUT') {
        socket.close(CLOSE_BAD_REQUEST, (err as GraphQLError).message.slice(0, 120));
      } else {
        if (code !== 'UNAUTHENTICATED') logger.error({ err: (err as Error).message }, 'websocket authentication failed');
        socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
      }
      return false;
    }
  };

  const onSubscribe = async (ctx: ConnectionContext, id: string, payload: SubscribePayload): Promise<ExecutionArgs | GraphQLError[]> => {
    const principal = ctx.extra.principal;
    if (!principal) return [domainError('UNAUTHENTICATED', 'The connection is not authenticated.')];
    if (liveSubscriptions.isClosed) return [unavailable('The server is shutting down.')];
    if (Object.keys(ctx.subscriptions).length > options.maxOperationsPerConnection) {
      const message = `At most ${options.maxOperationsPerConnection} operations may run on one connection.`;
      return [new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } })];
    }
    const schema = options.getSchema();
    if (!schema) return [unavailable('The gateway is not ready.')];
    const variables = (payload.variables ?? {}) as Record<string, unknown>;
    const { documentId } = payload as { documentId?: unknown };
    const plan = await planRequest(
      {
        schema,
        query: payload.query,
        documentId,
        extensions: payload.extensions,
        operationName: payload.operationName,
        variables,
        principal,
      },
      options,
    );
    if (plan.kind === 'rejected') return plan.errors;
    const socket = ctx.extra.socket;
    const contextValue: SocketOperation = { plan, id, socket, closeConnection: (code, reason) => socket.close(code, reason) };
    if (plan.kind === 'live') {
      const cap = options.caps.startSubscription(principal);
      if (typeof cap !== 'function') return [withoutHttp(cap)];
      // Given back when the subscription ends, or when the connection closes if it never starts.
      const releases = ctx.extra.releases;
      const release = () => {
        cap();
        releases?.delete(release);
      };
      releases?.add(release);
      contextValue.release = release;
    }
    return { schema, document: plan.document, operationName: plan.operationName, variableValues: variables, contextValue };
  };

  /** graphql-ws `execute`: a query or mutation over the socket, run through the gateway. */
  const execute = async (args: ExecutionArgs): Promise<ExecutionResult> => {
    const { plan } = args.contextValue as SocketOperation;
    if (plan.kind !== 'operation') return { errors: [internalServerError()] };
    const request = { query: plan.query, operationName: plan.operationName, variables: plan.variables };
    const { principal } = plan;
    const store: RequestContext = { requestId: principal.requestId, tenantId: principal.tenantId, userId: principal.userId };
    const started = performance.now();
    const run = () =>
      runWithRequestContext(store, () =>
        withSpan('gateway graphql ws', { kind: SpanKind.SERVER, attributes: { 'tenant.id': principal.tenantId } }, async (span) => {
          if (span.isRecording()) store.traceId = span.spanContext().traceId;
          const r = await executeOperation(options.apollo, principal, request, logger);
          span.updateName(`gateway ${store.operationType ?? 'graphql'}${store.operationName ? ` ${store.operationName}` : ''}`);
          return r;
        }),
      );
    const result = await inTenantTurn(options.scheduler, principal.tenantId, run);
    const record = {
      operationName: store.operationName,
      operationType: store.operationType,
      tenantId: principal.tenantId,
      transport: 'ws',
      status: 200,
      errorCodes: (result.errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')),
      durationMs: performance.now() - started,
    };
    runWithRequestContext(store, () => options.onOperation?.(record));
    return result;
  };

  /** graphql-ws `subscribe`: starts the live subscription planned in `onSubscribe`. */
  const subscribe = async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const { plan, id, socket, closeConnection, release } = args.contextValue as SocketOperation;
    if (plan.kind !== 'live') return execute(args);
    const started = await liveSubscriptions.start(plan, () => closeConnection(CLOSE_TOO_SLOW, 'Subscriber too slow'), release);
    return Symbol.asyncIterator in started ? deliverLive(started, id, socket) : started;
  };

  return useServer<Record<string, unknown> | undefined, ConnectionExtra>({ onConnect, onSubscribe, subscribe, execute }, wss);
}

/**
 * What graphql-ws iterates for a live subscription: its `next()` writes every result of `sub` to the
 * socket itself, as the `next` message graphql-ws would send (`{"id":...,"type":"next","payload":...}`,
 * the payload from {@link resultJson}), a write awaited before the next only while the socket is
 * backed up ({@link SOCKET_HIGH_WATER_BYTES}), and answers `done` once the subscription ends;
 * `return()` (the client's `complete`, the socket closing) ends it. A result it cannot write (the
 * socket closed under it) ends the subscription.
 */
export function deliverLive(sub: LiveSubscription, id: string, socket: WebSocket): AsyncIterableIterator<ExecutionResult> {
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  /** Whether `frame` was handed to the socket; a promise of it when the socket is backed up. */
  const write = (frame: string): boolean | Promise<boolean> => {
    if (socket.readyState !== socket.OPEN) return false;
    if (socket.bufferedAmount < SOCKET_HIGH_WATER_BYTES) {
      socket.send(frame);
      return true;
    }
    return new Promise<boolean>((resolve) => socket.send(frame, (err) => resolve(!err)));
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      for (;;) {
        const step = await sub.next();
        // Ended meanwhile (the client's `complete` or the socket closing made graphql-ws call `return()`).
        if (step.done || sub.state === 'ended') return { done: true, value: undefined };
        let written = write(prefix + resultJson(step.value) + '}');
        if (written instanceof Promise) written = await written;
        if (!written) {
          sub.end();
          return { done: true, value: undefined };
        }
      }
    },
    return: () => sub.return(),
    throw: () => sub.throw(),
  };
  return iterator;
}
