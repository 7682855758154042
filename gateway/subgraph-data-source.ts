/**
 * How the gateway calls a subgraph: a {@link RemoteGraphQLDataSource} that sends only a
 * gateway-signed credential for the principal (audience = the subgraph) and a request id. No client
 * header is forwarded, so a client's `x-tenant-id`, `x-user-id` or `authorization` never reaches a
 * subgraph. HTTP-level failures become errors that carry no subgraph URL or response body; a fetch
 * that failed for good (deadline, network, open circuit, 5xx after retries) answers an error at the
 * path of each field the fetch was for, so the gateway still returns every other subgraph's fields
 * (partial results) and masks that error. The HTTP client itself (undici, keep-alive pool) is
 * gateway/subgraph-fetcher.ts; deadlines, retries and the circuit breaker are
 * gateway/subgraph-resilience.ts.
 *
 * It sends each fetch itself ({@link SubgraphDataSource.process}) instead of through
 * `RemoteGraphQLDataSource.sendRequest`, which builds node-fetch `Headers` and a `Request` (parsing
 * the subgraph URL) per fetch for a fetcher that reads neither: 3-5% of the gateway's CPU on the
 * federation benchmark.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { CacheHint } from '@apollo/cache-control-types';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError, Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { CredentialSigner } from '../lib/auth/internal-credential';
import { CLIENT_ERROR_CODES as CLIENT_ERROR_CODES_LIST } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { SubgraphFetchMetrics } from '../lib/observability/subgraph-fetch-metrics';
import type { GatewayContext } from './gateway-context';
import { createHttpFetcher, SUBGRAPH_TIMEOUT_MS, type Fetcher, type FetcherResponse } from './subgraph-fetcher';
import { createResilientFetcher, SubgraphFetchError, type SubgraphResilienceOptions } from './subgraph-resilience';

/** Subgraph error codes that are meant for clients and pass through the gateway unchanged. */
const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set(CLIENT_ERROR_CODES_LIST);

/** Options of {@link SubgraphDataSource}. */
export interface SubgraphDataSourceOptions {
  /** Subgraph name: the credential's audience. */
  name: string;
  url: string;
  signer: CredentialSigner;
  logger: Logger;
  /** Fetch timeout, ms (default {@link SUBGRAPH_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Fetcher to share between data sources (default: a new {@link createHttpFetcher}). */
  fetcher?: Fetcher;
  /** Deadline, retries and circuit breaker of this subgraph's fetches (defaults: `RESILIENCE_DEFAULTS`). */
  resilience?: Partial<SubgraphResilienceOptions>;
  /** Where fetch latency, errors, timeouts and the breaker state are counted. */
  metrics?: SubgraphFetchMetrics;
}

/** Code of errors made from a failed subgraph HTTP exchange; the gateway's formatError masks it. */
export const SUBGRAPH_HTTP_ERROR = 'SUBGRAPH_HTTP_ERROR';

/** See module doc. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly subgraphName: string;
  private readonly signer: CredentialSigner;
  private readonly log: Logger;

  constructor(options: SubgraphDataSourceOptions) {
    const base = options.fetcher ?? createHttpFetcher(options.timeoutMs ?? SUBGRAPH_TIMEOUT_MS);
    const resilient = createResilientFetcher(options.name, base, options.resilience ?? {}, options.metrics, options.logger);
    super({ url: options.url, fetcher: resilient.fetch });
    this.subgraphName = options.name;
    this.signer = options.signer;
    this.log = options.logger;
  }

  /**
   * One fetch as `RemoteGraphQLDataSource.process` makes it (a POST of `{ query, variables,
   * operationName, extensions }`; a non-2xx answer through {@link errorFromResponse}; the answer's
   * `cache-control` restricting the incoming request's cache policy, as `honorSubgraphCacheControlHeader`
   * does), with only three headers: the content type, the credential for the principal (audience =
   * this subgraph) and the request id; nothing of the client's request is forwarded.
   * @throws GraphQLError `INTERNAL_SERVER_ERROR` without a principal in the context;
   *   {@link SUBGRAPH_HTTP_ERROR} for a transport failure (logged) or an HTTP error; a client-facing
   *   error a subgraph answered with a non-2xx status.
   */
  private async send(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const principal = (options.context as Partial<GatewayContext> | undefined)?.principal;
    if (!principal) throw new GraphQLError('No principal for a subgraph request.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    if (!request.query) throw new Error('Missing query');
    const init = {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await this.signer.sign(principal, this.subgraphName)}`,
        'x-request-id': principal.requestId,
      },
      body: JSON.stringify({
        query: request.query,
        variables: request.variables,
        operationName: request.operationName,
        extensions: request.extensions,
      }),
    };
    let response: FetcherResponse;
    let body: unknown;
    try {
      response = await this.fetcher(this.url, init);
      if (!response.ok) throw await this.errorFromResponse(response);
      body = await this.parseBody(response);
    } catch (err) {
      throw this.transportError(err as Error);
    }
    if (typeof body !== 'object' || body === null) throw this.transportError(new Error('The subgraph answered a body that is not JSON.'));
    // 'incoming operation' is GraphQLDataSourceRequestKind.INCOMING_OPERATION, an enum @apollo/gateway does not export.
    const policy = options.kind === 'incoming operation' ? options.incomingRequestContext.overallCachePolicy : undefined;
    if (policy && 'restrict' in policy) policy.restrict(cacheHint(response.headers.get('cache-control')));
    return body as GatewayGraphQLResponse;
  }

  /**
   * A non-2xx subgraph response. When its body is a GraphQL response whose first error has a
   * client-facing code (for example `BAD_USER_INPUT` for bad variables), that error is kept; anything
   * else is logged with the status and becomes {@link SUBGRAPH_HTTP_ERROR}, which the gateway masks.
   * The subgraph's URL and body never go into the error.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    let body: unknown;
    try {
      body = await this.parseBody(response);
    } catch {
      body = undefined;
    }
    const first = (body as { errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> } | undefined)?.errors?.[0];
    const code = first?.extensions?.code;
    // A 401 from a subgraph means the gateway credential was refused: a gateway fault, not the client's.
    if (response.status !== 401 && typeof code === 'string' && CLIENT_ERROR_CODES.has(code) && typeof first?.message === 'string') {
      return new GraphQLError(first.message, { extensions: { code } });
    }
    this.log.error({ subgraph: this.subgraphName, status: response.status, code }, 'subgraph answered with an HTTP error');
    return new GraphQLError(`Subgraph ${this.subgraphName} answered HTTP ${response.status}.`, {
      extensions: { code: SUBGRAPH_HTTP_ERROR },
    });
  }

  /**
   * A fetch that failed for good answers an error at the path of every field it was for (each root
   * field of the subgraph operation, or each representation of an `_entities` fetch), which the
   * gateway maps to the supergraph's paths; the other fetches of the plan go on.
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    try {
      return await this.send(options);
    } catch (err) {
      if (!(err instanceof GraphQLError) || err.extensions.code !== SUBGRAPH_HTTP_ERROR) throw err;
      return {
        errors: failedFetchPaths(options.request).map((path) => ({
          message: err.message,
          path,
          extensions: { code: SUBGRAPH_HTTP_ERROR },
        })),
      };
    }
  }

  /**
   * The error a failed exchange becomes: a GraphQLError (from {@link errorFromResponse}) as it is; a
   * transport failure (refused connection, timeout, open circuit, a body that is not JSON) logged and
   * replaced by {@link SUBGRAPH_HTTP_ERROR}, so the URL never reaches clients.
   */
  private transportError(error: Error): GraphQLError {
    if (error instanceof GraphQLError) return error;
    const reason = error instanceof SubgraphFetchError ? error.reason : undefined;
    this.log.error({ subgraph: this.subgraphName, reason, err: error.message }, 'subgraph request failed');
    return new GraphQLError(`Subgraph ${this.subgraphName} is unavailable.`, {
      extensions: { code: SUBGRAPH_HTTP_ERROR },
      originalError: error,
    });
  }
}

/**
 * The cache hint of a subgraph answer's `Cache-Control` header (RFC 9111 section 5.2), read as
 * `RemoteGraphQLDataSource` reads it: `max-age` in seconds (0 when absent or not a number), `private`
 * or `public` as the scope.
 */
export function cacheHint(header: string | null | undefined): CacheHint {
  const directives = new Map<string, string | true>();
  for (const part of (header ?? '').split(',')) {
    const [name, value] = part.split('=', 2).map((x) => x.trim());
    if (name) directives.set(name, value === undefined ? true : value.replace(/^"|"$/g, ''));
  }
  const hint: CacheHint = { maxAge: 0 };
  const maxAge = directives.get('max-age');
  if (typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge)) hint.maxAge = Number(maxAge);
  if (directives.get('private') === true) hint.scope = 'PRIVATE';
  if (directives.get('public') === true) hint.scope = 'PUBLIC';
  return hint;
}

/**
 * Paths of the fields a subgraph operation asked for: `['_entities', i]` for each representation of
 * an entities fetch, otherwise each root field's response name. Empty when the operation does not parse.
 */
export function failedFetchPaths(request: { query?: string; variables?: Record<string, unknown> }): Array<Array<string | number>> {
  const representations = request.variables?.representations;
  if (Array.isArray(representations)) return representations.map((_, i) => ['_entities', i]);
  try {
    const operation = parse(request.query ?? '').definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    return (operation?.selectionSet.selections ?? []).filter((s) => s.kind === Kind.FIELD).map((s) => [s.alias?.value ?? s.name.value]);
  } catch {
    return [];
  }
}
