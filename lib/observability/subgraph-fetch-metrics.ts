/**
 * The gateway's subgraph fetches, per subgraph: latency by outcome, errors by reason, timeouts,
 * retries and the circuit breaker's state (gateway/subgraph-resilience.ts records them).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from './operation-metrics';
import { METRIC_PREFIX } from './metrics-registry';

/** Why a subgraph fetch failed. */
export type FetchFailureReason = 'timeout' | 'network' | 'http_5xx' | 'breaker_open';

/** Circuit breaker states as gauge values: closed 0, half-open 1, open 2. */
export const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** See module doc. */
export class SubgraphFetchMetrics {
  readonly duration: Histogram<'subgraph' | 'outcome'>;
  readonly errors: Counter<'subgraph' | 'reason'>;
  readonly timeouts: Counter<'subgraph'>;
  readonly retries: Counter<'subgraph'>;
  readonly breakerState: Gauge<'subgraph'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}subgraph_fetch_duration_seconds`,
      help: 'Time of a subgraph fetch (all attempts), by subgraph and outcome (ok, error).',
      labelNames: ['subgraph', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.errors = new Counter({
      name: `${METRIC_PREFIX}subgraph_fetch_errors_total`,
      help: 'Failed subgraph fetches, by subgraph and reason (timeout, network, http_5xx, breaker_open).',
      labelNames: ['subgraph', 'reason'],
      registers: [registry],
    });
    this.timeouts = new Counter({
      name: `${METRIC_PREFIX}subgraph_fetch_timeouts_total`,
      help: 'Subgraph fetches that ran past their deadline, by subgraph.',
      labelNames: ['subgraph'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: `${METRIC_PREFIX}subgraph_fetch_retries_total`,
      help: 'Retried subgraph fetch attempts (queries only), by subgraph.',
      labelNames: ['subgraph'],
      registers: [registry],
    });
    this.breakerState = new Gauge({
      name: `${METRIC_PREFIX}subgraph_circuit_breaker_state`,
      help: 'Circuit breaker state per subgraph: 0 closed, 1 half-open, 2 open.',
      labelNames: ['subgraph'],
      registers: [registry],
    });
  }
}
