/**
 * The HTTP client of the gateway's subgraph calls: a `fetcher` for `RemoteGraphQLDataSource` on
 * undici's `request` API over a keep-alive connection pool, with a timeout. Profiles showed Node's
 * global fetch, its WHATWG streams and per-request AbortSignal costing more CPU than the query plan
 * execution, so this shim reads each response body once into a buffer and hands
 * `@apollo/gateway` a minimal Fetch-API-shaped response over it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';

/** Default time a subgraph fetch may take, ms. */
export const SUBGRAPH_TIMEOUT_MS = 10_000;

/** Connections kept per subgraph origin. */
export const SUBGRAPH_MAX_SOCKETS = 256;

/** The `fetcher` option of a `RemoteGraphQLDataSource` (Fetch API shaped). */
export type Fetcher = RemoteGraphQLDataSource['fetcher'];

/** What a {@link Fetcher} resolves to. */
export type FetcherResponse = Awaited<ReturnType<Fetcher>>;

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
      // The deadline of gateway/subgraph-resilience.ts aborts the exchange through this signal.
      signal: (init as { signal?: AbortSignal }).signal,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return new BufferedResponse(url, res.statusCode, '', new ResponseHeaders(res.headers), body) as unknown as FetcherResponse;
  };
}
