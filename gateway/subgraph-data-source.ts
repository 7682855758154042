/**
 * How the gateway calls a subgraph: a {@link RemoteGraphQLDataSource} that sends only a
 * gateway-signed credential for the principal (audience = the subgraph) and a request id. No client
 * header is forwarded, so a client's `x-tenant-id`, `x-user-id` or `authorization` never reaches a
 * subgraph. Fetches go through {@link createHttpFetcher}: undici's `request` over a keep-alive
 * connection pool, with a timeout (profiles showed Node's global fetch, its WHATWG streams and
 * per-request AbortSignal costing more CPU than the query plan execution);
 * HTTP-level failures become errors that carry no subgraph URL or response body.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { CredentialSigner } from '../lib/auth/internal-credential';
import { CLIENT_ERROR_CODES as CLIENT_ERROR_CODES_LIST } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { GatewayContext } from './gateway.server';

/** Default time a subgraph fetch may take, ms. */
export const SUBGRAPH_TIMEOUT_MS = 10_000;

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

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
}

/** Code of errors made from a failed subgraph HTTP exchange; the gateway's formatError masks it. */
export const SUBGRAPH_HTTP_ERROR = 'SUBGRAPH_HTTP_ERROR';

/** Connections kept per subgraph origin. */
export const SUBGRAPH_MAX_SOCKETS = 256;

/** Read-only response headers over Node's `IncomingHttpHeaders` (names are lower case). */
class ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  append(): void {}
  set(): void {}
  delete(): void {}
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) yield [name, this.get(name)!];
  }
  *keys(): IterableIterator<string> {
    yield* Object.keys(this.raw);
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A fully read response; the body is read once, before the response is handed over. */
class BufferedResponse {
  readonly redirected = false;
  bodyUsed = false;
  readonly ok: boolean;
  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: ResponseHeaders,
    private readonly body: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body.toString('utf8');
  }
  async json(): Promise<unknown> {
    this.bodyUsed = true;
    return JSON.parse(this.body.toString('utf8'));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer;
  }
  clone(): BufferedResponse {
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers, this.body);
  }
}

/**
 * A `fetcher` for {@link RemoteGraphQLDataSource} on undici's `request` API with one keep-alive
 * {@link Agent} (up to {@link SUBGRAPH_MAX_SOCKETS} connections per origin; undici honours the
 * servers' keep-alive hints, so an idle connection is not reused after the subgraph closed it) and a
 * whole-exchange timeout: a subgraph that does not answer within `timeoutMs` fails the fetch.
 */
export function createHttpFetcher(timeoutMs: number = SUBGRAPH_TIMEOUT_MS): Fetcher {
  const agent = new Agent({ connections: SUBGRAPH_MAX_SOCKETS, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return async (url, init = {}) => {
    const res = await request(url, {
      dispatcher: agent,
      method: (init.method ?? 'POST') as Dispatcher.HttpMethod,
      headers: init.headers as Record<string, string> | undefined,
      body: init.body ?? '',
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return new BufferedResponse(url, res.statusCode, '', new ResponseHeaders(res.headers), body) as unknown as FetcherResponse;
  };
}

/** See module doc. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly subgraphName: string;
  private readonly signer: CredentialSigner;
  private readonly log: Logger;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url, fetcher: options.fetcher ?? createHttpFetcher(options.timeoutMs ?? SUBGRAPH_TIMEOUT_MS) });
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

  /** Logs transport failures (refused connection, timeout) without the URL reaching clients. */
  override didEncounterError(error: Error): void {
    if (!(error instanceof GraphQLError)) {
      this.log.error({ subgraph: this.subgraphName, err: error.message }, 'subgraph request failed');
      throw new GraphQLError(`Subgraph ${this.subgraphName} is unavailable.`, {
        extensions: { code: SUBGRAPH_HTTP_ERROR },
        originalError: error,
      });
    }
    throw error;
  }
}
