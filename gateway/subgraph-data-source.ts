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
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
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

  /** Replaces every outgoing header with the credential, the request id and the content type. */
  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const principal = (options.context as Partial<GatewayContext> | undefined)?.principal;
    if (!principal) throw new GraphQLError('No principal for a subgraph request.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const http = options.request.http;
    if (!http) return;
    for (const [name] of [...http.headers]) {
      if (name.toLowerCase() !== 'content-type' && name.toLowerCase() !== 'accept') http.headers.delete(name);
    }
    http.headers.set('authorization', `Bearer ${await this.signer.sign(principal, this.subgraphName)}`);
    http.headers.set('x-request-id', principal.requestId);
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
      return await super.process(options);
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

  /** Logs transport failures (refused connection, timeout, open circuit) without the URL reaching clients. */
  override didEncounterError(error: Error): void {
    if (!(error instanceof GraphQLError)) {
      const reason = error instanceof SubgraphFetchError ? error.reason : undefined;
      this.log.error({ subgraph: this.subgraphName, reason, err: error.message }, 'subgraph request failed');
      throw new GraphQLError(`Subgraph ${this.subgraphName} is unavailable.`, {
        extensions: { code: SUBGRAPH_HTTP_ERROR },
        originalError: error,
      });
    }
    throw error;
  }
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
