/**
 * What the gateway answers before Apollo's HTTP handling, in order: CORS (headers on every
 * response, preflights answered), the GraphQL IDE page and its assets, and GraphQL over SSE (a
 * request to the GraphQL path accepting `text/event-stream`). Everything else goes on to Apollo
 * Server (lib/http/graphql-http-handler.ts), whose CSRF prevention stays on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsPolicy } from './cors-policy';
import { acceptsEventStream } from '../subscriptions/graphql-sse.adapter';

/** Parts of {@link browserRoutes}. */
export interface BrowserRoutesOptions {
  graphqlPath: string;
  cors: CorsPolicy;
  /** The IDE handler (gateway/http/graphql-ide.page.ts); undefined when the page is switched off. */
  ide?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** The GraphQL-over-SSE handler (gateway/subscriptions/graphql-sse.adapter.ts). */
  sse: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
}

/** The `intercept` of the gateway's HTTP handler: true when the request was answered here. */
export function browserRoutes(options: BrowserRoutesOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  return async (req, res, url) => {
    if (options.cors.apply(req, res)) return true;
    if (options.ide && (await options.ide(req, res, url))) return true;
    if (url.pathname === options.graphqlPath && acceptsEventStream(req)) {
      await options.sse(req, res, url);
      return true;
    }
    return false;
  };
}
