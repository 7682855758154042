/**
 * Everything the gateway exposes to operators, in one place: its Prometheus registry (operations,
 * subgraph fetches, live sockets and subscriptions, delivery latency from commit to socket), its
 * readiness checks and the operational endpoints built on them. gateway/gateway.server.ts creates
 * one per gateway.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { Readiness, type ReadinessCheck } from '../lib/http/readiness';
import type { OpsEndpoints } from '../lib/http/ops-routes';
import { METRIC_PREFIX, ServiceMetricsRegistry } from '../lib/observability/metrics-registry';
import { OperationMetrics, type OperationMetricsOptions } from '../lib/observability/operation-metrics';
import { SubgraphFetchMetrics } from '../lib/observability/subgraph-fetch-metrics';
import { subscriptionMetrics } from './subscriptions/shared-executor';

/** Operators' settings of a gateway (plain values from the configuration). */
export interface GatewayObservabilityOptions {
  /** Label bounds of the operation metrics (allow-listed operation names and tenants). */
  labels?: OperationMetricsOptions;
  /** Time each readiness check may take, ms (default 2,000). */
  readinessTimeoutMs?: number;
  /** Time between readiness turning false and the start of draining at shutdown, ms (default 0). */
  drainDelayMs?: number;
}

/** Latency buckets of deliveries from commit to socket, seconds. */
const DELIVERY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Where the live gauges read their values. */
export interface LiveCounts {
  /** Open graphql-ws connections. */
  sockets(): number;
  /** Subscriptions attached to their stream. */
  subscriptions(): number;
}

/** See module doc. */
export class GatewayObservability {
  readonly metrics = new ServiceMetricsRegistry();
  readonly operations: OperationMetrics;
  readonly fetches: SubgraphFetchMetrics;
  readonly readiness: Readiness;
  readonly drainDelayMs: number;
  private readonly deliveryLatency: Histogram<'topic'>;
  private readonly deliveries: Counter<'topic'>;
  /** The per-topic children of {@link deliveries} and {@link deliveryLatency}: no label hashing per delivery. */
  private readonly deliveryChildren = new Map<string, { count: Counter.Internal; latency: Histogram.Internal<'topic'> }>();

  constructor(options: GatewayObservabilityOptions, live: LiveCounts) {
    const registry = this.metrics.registry;
    this.operations = new OperationMetrics(registry, options.labels);
    this.fetches = new SubgraphFetchMetrics(registry);
    this.readiness = new Readiness(options.readinessTimeoutMs);
    this.drainDelayMs = options.drainDelayMs ?? 0;
    new Gauge({
      name: `${METRIC_PREFIX}websocket_connections`,
      help: 'Open graphql-ws connections.',
      registers: [registry],
      collect() {
        this.set(live.sockets());
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}subscriptions_active`,
      help: 'Live subscriptions attached to their tenant stream.',
      registers: [registry],
      collect() {
        this.set(live.subscriptions());
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}subscription_executions_waiting`,
      help: 'Subscription executions waiting for a slot (SUBSCRIPTION_MAX_EXECUTIONS), process-wide.',
      registers: [registry],
      collect() {
        this.set(subscriptionMetrics.waiting);
      },
    });
    this.deliveries = new Counter({
      name: `${METRIC_PREFIX}subscription_deliveries_total`,
      help: 'Subscription messages handed to a socket, by topic.',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.deliveryLatency = new Histogram({
      name: `${METRIC_PREFIX}subscription_delivery_seconds`,
      help: "Time from an event's commit (its occurredAt) to its subscription message being handed to the socket, by topic.",
      labelNames: ['topic'],
      buckets: DELIVERY_BUCKETS,
      registers: [registry],
    });
  }

  /** Records one subscription message sent for an event of `topic` that occurred at `occurredAt` (ISO 8601). */
  delivered(topic: string, occurredAt: string): void {
    let children = this.deliveryChildren.get(topic);
    if (!children) {
      children = { count: this.deliveries.labels({ topic }), latency: this.deliveryLatency.labels({ topic }) };
      this.deliveryChildren.set(topic, children); // topics are a fixed few (orders, notifications)
    }
    children.count.inc();
    const at = Date.parse(occurredAt);
    if (Number.isFinite(at)) children.latency.observe(Math.max(0, Date.now() - at) / 1000);
  }

  /** The operational endpoints of the gateway; `checks` are the dependencies its composition root adds. */
  ops(...checks: ReadinessCheck[]): OpsEndpoints {
    this.readiness.add(...checks);
    return { readiness: this.readiness, metrics: () => this.metrics.exposition() };
  }
}
