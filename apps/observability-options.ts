/**
 * The operators' settings of every service from the configuration: metric label bounds,
 * readiness timeout and drain delay (plain values for gateway/gateway-observability.ts and
 * subgraphs/shared/subgraph-observability.ts).
 */
import type { AppConfig } from '../lib/config';
import type { OperationMetricsOptions } from '../lib/observability/operation-metrics';

/** What {@link observabilityOptions} returns. */
export interface ServiceObservabilityOptions {
  labels: OperationMetricsOptions;
  readinessTimeoutMs: number;
  drainDelayMs: number;
}

/** See module doc. */
export function observabilityOptions(config: AppConfig): ServiceObservabilityOptions {
  const o = config.observability;
  return {
    labels: { operations: { allowList: o.metricOperations, maxNames: o.maxOperationLabels }, tenants: o.metricTenants },
    readinessTimeoutMs: o.readinessTimeoutMs,
    drainDelayMs: o.drainDelayMs,
  };
}
