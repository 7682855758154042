/**
 * What a subgraph process exposes to operators: its metrics (operations, the outbox and its relay,
 * the consumer groups of its workers, the database pools) and its readiness checks (the
 * dependencies its composition root passes, plus its own relay and worker loops).
 */
import { Readiness, type ReadinessCheck } from '../../lib/http/readiness';
import type { OpsEndpoints } from '../../lib/http/ops-routes';
import type { TenantDatabase } from '../../lib/db/tenant-database';
import type { EventLogStats } from '../../lib/events/event-log';
import type { OutboxRelay } from '../../lib/events/outbox-relay';
import {
  registerConsumerGroupMetrics,
  registerDbPoolMetrics,
  registerOutboxMetrics,
  registerRelayMetrics,
} from '../../lib/observability/event-path-metrics';
import { ServiceMetricsRegistry } from '../../lib/observability/metrics-registry';
import { OperationMetrics, type OperationMetricsOptions } from '../../lib/observability/operation-metrics';
import type { SubgraphModule } from './subgraph-module';

/** Operators' settings of a subgraph (plain values from the configuration). */
export interface SubgraphObservabilityOptions {
  /** Label bounds of the operation metrics. */
  labels?: OperationMetricsOptions;
  /** Time each readiness check may take, ms (default 2,000). */
  readinessTimeoutMs?: number;
  /** Time between readiness turning false and the start of draining at shutdown, ms (default 0). */
  drainDelayMs?: number;
}

/** The metrics and readiness of one subgraph. */
export interface SubgraphObservability {
  operations: OperationMetrics;
  readiness: Readiness;
  ops: OpsEndpoints;
  drainDelayMs: number;
}

/** Builds the observability of `module` (see module doc). */
export function createSubgraphObservability(
  module: SubgraphModule<unknown>,
  deps: { database: TenantDatabase; stats: EventLogStats; relay?: Pick<OutboxRelay, 'published' | 'failures' | 'health'> },
  options: SubgraphObservabilityOptions,
  checks: readonly ReadinessCheck[],
): SubgraphObservability {
  const metrics = new ServiceMetricsRegistry();
  const { registry } = metrics;
  const operations = new OperationMetrics(registry, options.labels);
  registerDbPoolMetrics(registry, deps.database.shared, deps.database);
  const readiness = new Readiness(options.readinessTimeoutMs).add(...checks);
  if (deps.relay) {
    const relay = deps.relay;
    registerOutboxMetrics(registry, deps.database.outboxClients());
    registerRelayMetrics(registry, relay);
    readiness.add({ name: 'outbox-relay', check: async () => relay.health() });
  }
  for (const { topic, group } of module.consumerGroups ?? []) registerConsumerGroupMetrics(registry, deps.stats, topic, group);
  (module.workers ?? []).forEach((w, i) => {
    if (w.health) readiness.add({ name: w.name ?? `worker-${i + 1}`, check: async () => w.health!() });
  });
  return {
    operations,
    readiness,
    ops: { readiness, metrics: () => metrics.exposition() },
    drainDelayMs: options.drainDelayMs ?? 0,
  };
}
