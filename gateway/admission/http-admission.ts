/**
 * The HTTP adapter of the admission pipeline (admission.ts): the context function of the gateway's
 * HTTP handler. It authenticates the request, reads the GraphQL request from the POST body or the
 * GET query string, admits it, hands Apollo Server the resolved document (so a trusted document or
 * persisted query id becomes its text and Apollo's own APQ handling is not involved), and takes the
 * tenant's slot of the fair scheduler (released by {@link releaseSlotPlugin} when the response is
 * sent). A refusal is an {@link HttpRefusal}: every error, with status 400, 429 and `Retry-After`, or
 * 503 while the schema is loading.
 *
 * A 429 is answered after a pause of its `Retry-After` (at most `refusalDelayMs`, while fewer than
 * `maxDelayedRefusals` are held), lengthened by a random 0-50%: a client that keeps its requests in
 * flight without honouring `Retry-After` is slowed to what its budget allows instead of being
 * answered as fast as it can send, a held refusal costs a timer, not CPU, and the jitter spreads a
 * flood's refusals out, so that its resent requests do not arrive in waves that stall other
 * tenants' requests (measured in bench/isolation.bench.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin, HTTPGraphQLRequest } from '@apollo/server';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { HttpRefusal } from '../../lib/http/http-refusal';
import { annotateRequestContext } from '../../lib/observability/request-context';
import type { JwtVerifier } from '../auth/jwt-verifier';
import { authenticate } from '../auth/principal';
import { QueueFullError, type TenantScheduler } from '../fairness/tenant-scheduler';
import type { GatewayContext } from '../gateway-context';
import { admissionError, rateLimited } from './admission-error';
import type { Admission } from './admission';

/** Dependencies of {@link httpAdmissionContext}. */
export interface HttpAdmissionOptions {
  verifier: JwtVerifier;
  admission: Admission;
  /** The gateway's API schema (undefined until loaded). */
  getSchema: () => GraphQLSchema | undefined;
  /** Slots of operations in flight, shared between tenants in turn. */
  scheduler: TenantScheduler;
  /** Pause before a 429, ms (default 1,000, plus up to 50% jitter; 0: answer at once). */
  refusalDelayMs?: number;
  /** Most refusals held at once; beyond, they are answered at once (default 2,000). */
  maxDelayedRefusals?: number;
}

/** What a GraphQL-over-HTTP request carries, from a POST body or GET parameters. */
interface GraphQLParams {
  query?: unknown;
  documentId?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** A JSON-encoded GET parameter, or the raw text when it is not JSON (Apollo Server refuses it later). */
function jsonParam(params: URLSearchParams, name: string): unknown {
  const raw = params.get(name);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The request's GraphQL parameters, or undefined when the body is not one GraphQL request. */
function paramsOf(request: HTTPGraphQLRequest): GraphQLParams | undefined {
  if (request.method === 'GET') {
    const p = new URLSearchParams(request.search);
    return {
      query: p.get('query') ?? undefined,
      documentId: p.get('documentId') ?? undefined,
      operationName: p.get('operationName') ?? undefined,
      variables: jsonParam(p, 'variables'),
      extensions: jsonParam(p, 'extensions'),
    };
  }
  const body = request.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as GraphQLParams) : undefined;
}

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The gateway's HTTP context function (see the module doc). */
export function httpAdmissionContext(options: HttpAdmissionOptions) {
  let held = 0;
  /** An HttpRefusal of `errors`, after the pause of the module doc when it is a 429. */
  const refuse = async (errors: readonly GraphQLError[]): Promise<never> => {
    const refusal = new HttpRefusal(errors);
    annotateRequestContext({ errorCodes: refusal.errors.map((e) => String(e.extensions?.code ?? 'BAD_REQUEST')) });
    const retryAfterS = Number(refusal.headers['retry-after']);
    const delay =
      refusal.status === 429 && Number.isFinite(retryAfterS) ? Math.min(retryAfterS * 1000, options.refusalDelayMs ?? 1_000) : 0;
    if (delay > 0 && held < (options.maxDelayedRefusals ?? 2_000)) {
      held++;
      await new Promise((resolve) => setTimeout(resolve, delay * (1 + Math.random() / 2)));
      held--;
    }
    throw refusal;
  };
  return async ({ req, request }: { req: IncomingMessage; request: HTTPGraphQLRequest }): Promise<GatewayContext> => {
    const principal = await authenticate(options.verifier, req.headers);
    annotateRequestContext({ tenantId: principal.tenantId, userId: principal.userId });
    if (Array.isArray(request.body)) return refuse([admissionError('BAD_REQUEST', 'Batched requests are not supported.')]);
    const params = paramsOf(request);
    // Nothing Apollo Server could run (no query, id or hash): it answers its own BAD_REQUEST.
    if (!params || (params.query === undefined && params.documentId === undefined && !record(params.extensions)?.persistedQuery)) {
      return { principal };
    }
    const schema = options.getSchema();
    if (!schema) return refuse([admissionError('SERVICE_UNAVAILABLE', 'The gateway is not ready.', 503)]);
    const operationName = typeof params.operationName === 'string' ? params.operationName : undefined;
    const variables = record(params.variables);
    const admitted = await options.admission.admit(schema, {
      principal,
      query: params.query,
      documentId: params.documentId,
      extensions: params.extensions,
      operationName,
      variables,
    });
    if (admitted.kind === 'refused') return refuse(admitted.errors);
    const { persistedQuery: _persisted, ...extensions } = record(params.extensions) ?? {};
    const resolved = {
      query: admitted.query,
      ...(operationName !== undefined ? { operationName } : {}),
      ...(variables ? { variables } : {}),
      ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    };
    if (request.method === 'GET') {
      const search = new URLSearchParams({ query: admitted.query });
      if (operationName) search.set('operationName', operationName);
      if (variables) search.set('variables', JSON.stringify(variables));
      request.search = `?${search.toString()}`;
    } else {
      request.body = resolved;
    }
    let release;
    try {
      release = await options.scheduler.acquire(principal.tenantId);
    } catch (err) {
      if (!(err instanceof QueueFullError)) throw err;
      return refuse([rateLimited('The tenant has too many operations waiting; retry later.', 'tenant-queue', 1000)]);
    }
    return { principal, admission: { cost: admitted.cost, release } };
  };
}

/** Gives the request's scheduler slot back once its response is ready (every path, errors included). */
export const releaseSlotPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart({ contextValue }) {
    return {
      async willSendResponse() {
        contextValue.admission?.release?.();
      },
    };
  },
};
