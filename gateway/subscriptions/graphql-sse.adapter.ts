/**
 * Serves GraphQL over Server-Sent Events at the gateway's GraphQL path, beside graphql-ws, for
 * networks that block WebSockets: the "distinct connections mode" of the graphql-sse protocol
 * (graphql-sse's PROTOCOL.md): one request per operation, `GET` (`query`, `variables`,
 * `operationName` in the URL) or `POST` (a JSON body), accepting `text/event-stream`. The same rules
 * as graphql-ws, through the same transport-neutral planner (subscription-plan.ts):
 *
 * 1. The bearer token is in the `Authorization` header, verified as on HTTP; without a valid one the
 *    answer is HTTP 401 with `WWW-Authenticate: Bearer` and a JSON `UNAUTHENTICATED` error. The
 *    stream ends when the token expires; the client reconnects with a fresh one.
 * 2. The request is planned once. A refusal (validation, `BAD_USER_INPUT`, `CURSOR_EXPIRED`...) is
 *    sent as a `next` event carrying the errors, then `complete` (the protocol reports errors in the
 *    accepted stream); a mutation over `GET` is HTTP 405.
 * 3. Queries and mutations answer one `next` event and `complete`. A subscription streams a `next`
 *    event per result, each with the SSE `id:` set to its stream cursor (`extensions.cursor`), so a
 *    reconnect sends it back as `Last-Event-ID`; the planner treats that header exactly like
 *    `after:` (it wins over the document's `after`): the missed events in order, then live ones,
 *    with no duplicate; a cursor that is no longer retained is `CURSOR_EXPIRED`.
 *    Every request passes the admission pipeline first (limits, cost, budgets); queries and
 *    mutations run in the tenant's turn of the fair scheduler, and a subscription takes a place under
 *    the tenant's and user's subscription caps (`RATE_LIMITED` beyond them).
 * 4. A comment line every {@link SSE_KEEPALIVE_MS} keeps proxies from closing an idle stream. A
 *    subscriber that falls behind (`maxQueue`) gets its stream ended; it resumes with `Last-Event-ID`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, getOperationAST, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { single } from '../../lib/auth/http-credentials';
import { readBody } from '../../lib/http/graphql-http-handler';
import { withoutHttp } from '../admission/admission-error';
import type { ConnectionCaps } from '../admission/connection-caps';
import type { JwtVerifier } from '../auth/jwt-verifier';
import { verifyCredentials, type AuthenticatedSession } from '../auth/principal';
import { executeOperation, internalServerError } from '../execute-operation';
import type { TenantScheduler } from '../fairness/tenant-scheduler';
import { inTenantTurn } from '../fairness/tenant-turn';
import type { GatewayContext } from '../gateway-context';
import type { LiveSubscriptions } from './live-subscriptions';
import { resultJson } from './shaped-results';
import { planRequest, type PlannerOptions } from './subscription-plan';

/** Interval of the keep-alive comment lines, ms. */
export const SSE_KEEPALIVE_MS = 12_000;
/** Longest setTimeout delay Node accepts (about 24.8 days), ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Options of {@link createGraphQLSseHandler}. */
export interface GraphQLSseAdapterOptions extends PlannerOptions {
  apollo: ApolloServer<GatewayContext>;
  verifier: JwtVerifier;
  /** The gateway's current API schema (undefined until it has loaded). */
  getSchema: () => GraphQLSchema | undefined;
  liveSubscriptions: LiveSubscriptions;
  /** Subscription caps per tenant and user (a stream holds one subscription). */
  caps: ConnectionCaps;
  /** Slots of queries and mutations in flight, shared between tenants in turn (the HTTP scheduler). */
  scheduler: TenantScheduler;
}

/** A GraphQL request's parameters as the protocol carries them. */
interface SseParams {
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
}

/** True when `req` asks for GraphQL over SSE: its `Accept` header names `text/event-stream`. */
export function acceptsEventStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').split(',').some((type) => type.split(';')[0]!.trim().toLowerCase() === 'text/event-stream');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request's parameters, or the reason they are malformed. */
async function readParams(req: IncomingMessage, url: URL): Promise<SseParams | string> {
  let raw: Record<string, unknown>;
  if (req.method === 'GET') {
    raw = { query: url.searchParams.get('query') ?? undefined, operationName: url.searchParams.get('operationName') ?? undefined };
    try {
      const variables = url.searchParams.get('variables');
      if (variables) raw.variables = JSON.parse(variables);
    } catch {
      return 'variables must be JSON.';
    }
  } else {
    if (!(req.headers['content-type'] ?? '').includes('application/json')) return 'The body must be JSON (content-type: application/json).';
    try {
      const body: unknown = JSON.parse(await readBody(req));
      if (!isObject(body)) return 'The body must be a JSON object.';
      raw = body;
    } catch (err) {
      if (err instanceof SyntaxError) return 'The body is not valid JSON.';
      throw err;
    }
  }
  if (typeof raw.query !== 'string' || raw.query === '') return 'query must be a non-empty string.';
  if (raw.variables != null && !isObject(raw.variables)) return 'variables must be an object.';
  if (raw.operationName != null && typeof raw.operationName !== 'string') return 'operationName must be a string.';
  return {
    query: raw.query,
    variables: (raw.variables as Record<string, unknown> | undefined) ?? {},
    ...(typeof raw.operationName === 'string' && raw.operationName ? { operationName: raw.operationName } : {}),
  };
}

/**
 * One SSE event: `next` with a result (and the cursor as `id:`), or `complete`. A live result shared
 * by many subscribers is serialised once (shaped-results.ts).
 */
function sseEvent(event: 'next' | 'complete', data?: ExecutionResult, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data ? resultJson(data) : ''}\n\n`;
}

/** Starts the event stream: status 200 and the headers that keep intermediaries from buffering it. */
function openStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(':\n\n');
}

/**
 * Returns the handler of GraphQL-over-SSE requests (those {@link acceptsEventStream} matches). It
 * answers every request itself and never rejects.
 */
export function createGraphQLSseHandler(
  options: GraphQLSseAdapterOptions,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const { logger, liveSubscriptions } = options;

  const run = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendJson(
        res,
        405,
        { errors: [{ message: 'GraphQL over SSE takes GET or POST.', extensions: { code: 'BAD_REQUEST' } }] },
        { allow: 'GET, POST' },
      );
      return;
    }
    let session: AuthenticatedSession;
    try {
      session = await verifyCredentials(options.verifier, {
        authorization: req.headers.authorization,
        tenantOverride: req.headers['x-tenant-id'],
        requestId: req.headers['x-request-id'],
      });
    } catch (err) {
      if (!(err instanceof GraphQLError)) throw err;
      const http = err.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
      const { http: _http, ...extensions } = err.extensions;
      sendJson(res, http?.status ?? 400, { errors: [{ message: err.message, extensions }] }, Object.fromEntries(http?.headers ?? []));
      return;
    }
    const params = await readParams(req, url);
    if (typeof params === 'string') {
      sendJson(res, 400, { errors: [{ message: params, extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    const schema = options.getSchema();
    if (!schema || liveSubscriptions.isClosed) {
      sendJson(res, 503, { errors: [{ message: 'The gateway is not ready.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      return;
    }
    const lastEventId = single(req.headers['last-event-id'])?.trim() || undefined;
    const { principal } = session;
    const plan = await planRequest({ schema, ...params, principal, ...(lastEventId ? { resumeAfter: lastEventId } : {}) }, options);
    if (plan.kind === 'operation' && req.method === 'GET' && getOperationAST(plan.document, plan.operationName)?.operation === 'mutation') {
      sendJson(
        res,
        405,
        { errors: [{ message: 'Mutations are sent with POST.', extensions: { code: 'BAD_REQUEST' } }] },
        { allow: 'POST' },
      );
      return;
    }
    openStream(res);
    if (plan.kind === 'rejected') {
      res.end(sseEvent('next', { errors: plan.errors }) + sseEvent('complete'));
      return;
    }
    if (plan.kind === 'operation') {
      const request = { query: plan.query, operationName: plan.operationName, variables: plan.variables };
      const result = await inTenantTurn(options.scheduler, principal.tenantId, () =>
        executeOperation(options.apollo, principal, request, logger.child({ requestId: principal.requestId })),
      );
      res.end(sseEvent('next', result) + sseEvent('complete'));
      return;
    }
    const cap = options.caps.startSubscription(principal);
    if (typeof cap !== 'function') {
      res.end(sseEvent('next', { errors: [withoutHttp(cap)] }) + sseEvent('complete'));
      return;
    }
    res.once('close', cap); // released even if the subscription never starts
    const started = await liveSubscriptions.start(plan, () => res.end(), cap);
    if (!(Symbol.asyncIterator in started)) {
      res.end(sseEvent('next', started) + sseEvent('complete'));
      return;
    }
    const keepAlive = setInterval(() => res.write(':\n\n'), SSE_KEEPALIVE_MS);
    // An expired token ends the stream without `complete`: the client reconnects with a fresh token and resumes.
    const expiry = setTimeout(() => res.end(), Math.max(0, Math.min(session.expiresAt * 1000 - Date.now(), MAX_TIMER_MS)));
    expiry.unref();
    res.once('close', () => void started.return());
    try {
      for await (const result of started) {
        const cursor = result.extensions?.cursor;
        res.write(sseEvent('next', result, typeof cursor === 'string' ? cursor : undefined));
      }
      if (!res.writableEnded) res.end(sseEvent('complete'));
    } finally {
      clearInterval(keepAlive);
      clearTimeout(expiry);
    }
  };

  return (req, res, url) =>
    run(req, res, url).catch((err: unknown) => {
      logger.error({ err: (err as Error).message }, 'graphql-sse request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [internalServerError().toJSON()] });
      else if (!res.writableEnded) res.end(sseEvent('next', { errors: [internalServerError()] }) + sseEvent('complete'));
    });
}
