/**
 * Serves an Apollo Server on a plain `node:http` server (Apollo Server 5 ships no HTTP framework):
 * the documented integration API `executeHTTPGraphQLRequest`, plus `/healthz`, `/readyz` and
 * `/metrics` (./ops-routes.ts) when the caller gives its operational endpoints. Every GraphQL request runs inside its request id, correlation
 * context and server span, and is recorded once answered (./request-observation.ts).
 * Every response carries `x-request-id`: the caller's when it sent a valid one, else a new one
 * (lib/auth/http-credentials.ts); the request's header is set to the same value, so the context
 * function, the logs and the subgraph calls see the id the client gets back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction, type HTTPGraphQLRequest } from '@apollo/server';
import { requestIdFrom } from '../auth/http-credentials';
import type { OperationRecord } from '../observability/operation-metrics';
import { HttpRefusal } from './http-refusal';
import { handleOpsRequest, type OpsEndpoints } from './ops-routes';
import { observeGraphQLRequest } from './request-observation';

/** Largest accepted request body, bytes. Larger bodies get HTTP 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Options of {@link createGraphQLHttpHandler}. */
export interface GraphQLHttpHandlerOptions<TContext extends BaseContext> {
  server: ApolloServer<TContext>;
  /**
   * Builds the per-request context, before Apollo Server sees the request (`request` is the parsed
   * HTTP GraphQL request, whose `body` it may replace); throw a GraphQLError with
   * `extensions.http.status` to refuse through Apollo Server, or an {@link HttpRefusal} to answer its
   * errors as they are.
   */
  context: ContextFunction<[{ req: IncomingMessage; request: HTTPGraphQLRequest }], TContext>;
  /** Path of the GraphQL endpoint (default `/graphql`). */
  path?: string;
  /**
   * Runs first for every request (after the request id is set): answers it and resolves true
   * (CORS preflights, the IDE page, GraphQL over SSE...), or resolves false to let it go on.
   */
  intercept?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;
  /** `/healthz`, `/readyz` (dependency checks) and `/metrics`; without it those paths are not found. */
  ops?: OpsEndpoints;
  /** Service name of the requests' spans (default `graphql`). */
  service?: string;
  /** Called once per GraphQL request, after its response was sent (metrics, access log). */
  onOperation?: (record: OperationRecord) => void;
}

/** Thrown by {@link readBody} beyond {@link MAX_BODY_BYTES}. */
export class BodyTooLargeError extends Error {}

/**
 * The request body as UTF-8 text.
 * @throws BodyTooLargeError beyond {@link MAX_BODY_BYTES} (the request is destroyed).
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Returns a `node:http` request listener serving GraphQL at `path` and the health endpoints. */
export function createGraphQLHttpHandler<TContext extends BaseContext>(
  options: GraphQLHttpHandlerOptions<TContext>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const path = options.path ?? '/graphql';
  return (req, res) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (options.ops && handleOpsRequest(res, url.pathname, options.ops)) return;
      if (options.intercept && (await options.intercept(req, res, url))) return;
      if (url.pathname !== path) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      await observeGraphQLRequest(req, res, { service: options.service ?? 'graphql', onOperation: options.onOperation }, () =>
        executeGraphQL(options, req, res, url),
      );
    })().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const tooLarge = err instanceof BodyTooLargeError;
      res.writeHead(tooLarge ? 413 : 500, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          errors: [
            {
              message: tooLarge ? 'Request body too large.' : 'Internal server error.',
              extensions: { code: tooLarge ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' },
            },
          ],
        }),
      );
    });
  };
}

/** Runs one GraphQL request through Apollo and writes its response. */
async function executeGraphQL<TContext extends BaseContext>(
  options: GraphQLHttpHandlerOptions<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown;
  if (req.method === 'POST') {
    const raw = await readBody(req);
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ message: 'Request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] }));
      return;
    }
  }
  const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
  let context: () => Promise<TContext>;
  try {
    const value = await options.context({ req, request: httpGraphQLRequest });
    context = async () => value;
  } catch (err) {
    if (err instanceof HttpRefusal) {
      res.writeHead(err.status, { 'content-type': 'application/json', ...err.headers }).end(JSON.stringify({ errors: err.errors }));
      return;
    }
    context = () => Promise.reject(err); // Apollo Server answers it (status from extensions.http)
  }
  const response = await options.server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
  } else {
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}
