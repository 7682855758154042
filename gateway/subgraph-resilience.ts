/**
 * Resilience of the gateway's subgraph fetches (cockatiel policies around the HTTP fetcher of
 * gateway/subgraph-fetcher.ts), per subgraph:
 *
 * - **Deadline.** A fetch, all its attempts and back-offs included, ends after `deadlineMs`: the
 *   request is aborted and the fetch fails (a hung subgraph costs a request at most this long).
 * - **Retries, queries only.** A query fetch that failed on the network, answered 502/503/504, or
 *   found the circuit open is not retried for the last reason; for the first two it is tried again
 *   up to `maxAttempts` attempts in all, with exponential back-off and decorrelated jitter
 *   (cockatiel's default generator, after Polly and AWS's "Exponential Backoff and Jitter"), within
 *   the deadline. A mutation is never retried: it may have been applied.
 * - **Circuit breaker.** `breakerThreshold` failed attempts in a row (network errors, timeouts, 5xx)
 *   open the subgraph's circuit: fetches then fail at once, without a request, for
 *   `breakerHalfOpenMs`; then one probe goes through (half-open): its success closes the circuit, its
 *   failure opens it again.
 *
 * A failed fetch throws {@link SubgraphFetchError}; gateway/subgraph-data-source.ts turns it into a
 * masked error at the paths of the failed fetch, so the fields of healthy subgraphs still arrive.
 * Each fetch is a client span (`subgraph fetch <name>`) whose `traceparent` goes on the request.
 */
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { context, propagation } from '@opentelemetry/api';
import type { Logger } from '../lib/logger';
import { BREAKER_STATE_VALUE, type FetchFailureReason, type SubgraphFetchMetrics } from '../lib/observability/subgraph-fetch-metrics';
import { markSpanError, SpanKind, withSpan } from '../lib/observability/tracing';
import type { Fetcher, FetcherResponse } from './subgraph-fetcher';

/** Resilience settings of one subgraph (plain values; see {@link RESILIENCE_DEFAULTS}). */
export interface SubgraphResilienceOptions {
  /** Most time one fetch may take, all attempts included, ms. */
  deadlineMs: number;
  /** Attempts of a query fetch in all (1 = no retry). Mutations always get one. */
  maxAttempts: number;
  /** First back-off before a retry, ms (later ones grow exponentially, with jitter). */
  retryInitialDelayMs: number;
  /** Longest back-off, ms. */
  retryMaxDelayMs: number;
  /** Failed attempts in a row that open the circuit. */
  breakerThreshold: number;
  /** How long an open circuit fails fast before letting a probe through, ms. */
  breakerHalfOpenMs: number;
}

/** Defaults of {@link SubgraphResilienceOptions}. */
export const RESILIENCE_DEFAULTS: Readonly<SubgraphResilienceOptions> = {
  deadlineMs: 5000,
  maxAttempts: 3,
  retryInitialDelayMs: 25,
  retryMaxDelayMs: 250,
  breakerThreshold: 5,
  breakerHalfOpenMs: 5000,
};

/** A subgraph fetch that failed (after its retries); the message is for logs, never for clients. */
export class SubgraphFetchError extends Error {
  constructor(
    readonly subgraph: string,
    readonly reason: FetchFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'SubgraphFetchError';
  }
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** True when the subgraph request body is a mutation (checked on the text, parsed only when it mentions one). */
export function isMutationRequest(body: unknown): boolean {
  if (typeof body !== 'string' || !body.includes('mutation')) return false;
  try {
    const query = (JSON.parse(body) as { query?: unknown }).query;
    return typeof query === 'string' && /^\s*mutation\b/.test(query);
  } catch {
    return false;
  }
}

/** A fetcher with the policies of the module doc, and its breaker's state. */
export interface ResilientFetcher {
  fetch: Fetcher;
  /** The circuit's state now. */
  breakerState(): 'closed' | 'half_open' | 'open';
}

function stateName(state: CircuitState): 'closed' | 'half_open' | 'open' {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half_open';
  return 'open';
}

/**
 * Wraps `base` (which must honour `init.signal`) with the policies of the module doc for subgraph
 * `subgraph`, recording into `metrics` and logging state changes on `logger`.
 */
export function createResilientFetcher(
  subgraph: string,
  base: Fetcher,
  options: Partial<SubgraphResilienceOptions>,
  metrics: SubgraphFetchMetrics | undefined,
  logger: Logger,
): ResilientFetcher {
  const o = { ...RESILIENCE_DEFAULTS, ...options };
  const isFailure = (r: unknown) => (r as FetcherResponse).status >= 500;
  const transient = (err: unknown) => !(err instanceof BrokenCircuitError);
  const breaker: CircuitBreakerPolicy = circuitBreaker(handleWhen(transient).orWhenResult(isFailure), {
    halfOpenAfter: o.breakerHalfOpenMs,
    breaker: new ConsecutiveBreaker(o.breakerThreshold),
  });
  metrics?.breakerState.set({ subgraph }, BREAKER_STATE_VALUE.closed);
  breaker.onStateChange((state) => {
    const name = stateName(state);
    metrics?.breakerState.set({ subgraph }, BREAKER_STATE_VALUE[name]);
    logger.warn({ subgraph, breaker: name }, `subgraph circuit ${name.replace('_', '-')}`);
  });
  const retrying = retry(
    handleWhen(transient).orWhenResult((r) => RETRYABLE_STATUS.has((r as FetcherResponse).status)),
    {
      maxAttempts: Math.max(0, o.maxAttempts - 1),
      backoff: new ExponentialBackoff({ initialDelay: o.retryInitialDelayMs, maxDelay: o.retryMaxDelayMs }),
    },
  );
  retrying.onRetry(() => metrics?.retries.inc({ subgraph }));
  // abortOnReturn false: the fetcher has read the whole body when it returns, so there is nothing to
  // cancel then, and aborting every finished exchange costs a DOMException and undici's abort handling
  // per subgraph fetch (1.4% of the gateway's CPU in a profile of the federation benchmark).
  const deadline = timeout(o.deadlineMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const queryPolicy = wrap(deadline, retrying, breaker);
  const mutationPolicy = wrap(deadline, breaker);

  const fetch: Fetcher = async (url, init = {}) => {
    const started = performance.now();
    const policy = isMutationRequest(init.body) ? mutationPolicy : queryPolicy;
    return withSpan(`subgraph fetch ${subgraph}`, { kind: SpanKind.CLIENT, attributes: { 'graphql.subgraph': subgraph } }, async (span) => {
      const headers = { ...(init.headers as Record<string, string> | undefined) };
      propagation.inject(context.active(), headers);
      try {
        const response = (await policy.execute(({ signal }) => base(url, { ...init, headers, signal }))) as FetcherResponse;
        metrics?.duration.observe({ subgraph, outcome: response.ok ? 'ok' : 'error' }, (performance.now() - started) / 1000);
        span.setAttribute('http.response.status_code', response.status);
        if (response.status >= 500) {
          metrics?.errors.inc({ subgraph, reason: 'http_5xx' });
          markSpanError(span, `HTTP ${response.status}`);
        }
        return response;
      } catch (err) {
        const reason: FetchFailureReason =
          err instanceof BrokenCircuitError ? 'breaker_open' : err instanceof TaskCancelledError ? 'timeout' : 'network';
        metrics?.duration.observe({ subgraph, outcome: 'error' }, (performance.now() - started) / 1000);
        metrics?.errors.inc({ subgraph, reason });
        if (reason === 'timeout') metrics?.timeouts.inc({ subgraph });
        const detail =
          reason === 'breaker_open'
            ? 'circuit open'
            : reason === 'timeout'
              ? `no answer within ${o.deadlineMs} ms`
              : err instanceof Error
                ? err.message
                : String(err);
        throw new SubgraphFetchError(subgraph, reason, `subgraph ${subgraph} fetch failed (${reason}): ${detail}`);
      }
    });
  };
  return { fetch, breakerState: () => stateName(breaker.state) };
}
