/**
 * Prometheus registries (prom-client). Each service (the gateway, each subgraph, a relay) has a
 * registry of its own, so that its `/metrics` shows its own series even when several services share
 * one process (`npm start`, the tests); Node's default process metrics (`process_*`, `nodejs_*`)
 * live in one registry per process, merged into every service's answer.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Prefix of every metric the supergraph defines (README, "Operations"). */
export const METRIC_PREFIX = 'supergraph_';

let processRegistry: Registry | undefined;

/** The process-wide registry of Node's default metrics (created on first use). */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A service's metrics: its own registry, answered together with the process's default metrics. */
export class ServiceMetricsRegistry {
  /** The service's own metrics; register metric families on it. */
  readonly registry = new Registry();
  private merged: Registry | undefined;

  /** Prometheus text exposition of the service's metrics and the process's default metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    this.merged ??= Registry.merge([processMetricsRegistry(), this.registry]);
    return { contentType: this.merged.contentType, body: await this.merged.metrics() };
  }
}
