/**
 * Serves an Apollo Server on a plain `node:http` server (Apollo Server 5 ships no HTTP framework):
 * the documented integration API `executeHTTPGraphQLRequest`, plus `/healthz` and `/readyz`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction, type HTTPGraphQLRequest } from '@apollo/server';
import { HttpRefusal } from './http-refusal';

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
   * `/readyz` answers 200 only while this returns true; false (starting or stopping) or the names of
   * the dependencies that do not answer (`["redis"]`, named in the 503 body) mean not ready.
   */
  ready?: () => boolean | string[];
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
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
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      if (url.pathname === '/readyz') {
        const state = options.ready ? options.ready() : true;
        const ready = state === true;
        const body = ready
          ? { status: 'ready' }
          : Array.isArray(state)
            ? { status: 'unavailable', unavailable: state }
            : { status: 'starting' };
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      if (url.pathname !== path) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
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
