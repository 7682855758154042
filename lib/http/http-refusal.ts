/**
 * A request refused before it reaches the GraphQL server (by the admission pipeline of the gateway):
 * thrown by a handler's context function, answered by lib/http/graphql-http-handler.ts as is, with
 * every error (not only the first, as a failed Apollo context would) and the HTTP status and headers
 * the errors carry in `extensions.http` (which never reaches the body).
 */
import type { GraphQLError, GraphQLFormattedError } from 'graphql';

/** An HTTP status and headers as Apollo Server's errors carry them (`extensions.http`). */
interface HttpHead {
  status?: number;
  headers?: Iterable<[string, string]>;
}

/** See the module doc. */
export class HttpRefusal extends Error {
  override readonly name = 'HttpRefusal';
  /** Response status: the highest `extensions.http.status` of the errors (400 when none has one). */
  readonly status: number;
  /** Response headers from the errors' `extensions.http.headers` (`Retry-After`, ...). */
  readonly headers: Record<string, string>;
  /** The errors as the response body lists them (client-safe messages; `http` removed). */
  readonly errors: GraphQLFormattedError[];

  constructor(errors: readonly GraphQLError[]) {
    super(errors[0]?.message ?? 'Request refused.');
    let status = 0;
    const headers: Record<string, string> = {};
    this.errors = errors.map((e) => {
      const { http, ...extensions } = e.extensions as { http?: HttpHead } & Record<string, unknown>;
      if (http?.status && http.status > status) status = http.status;
      for (const [k, v] of http?.headers ?? []) headers[k] = v;
      const formatted = e.toJSON();
      return { ...formatted, extensions };
    });
    this.status = status || 400;
    this.headers = headers;
  }
}
