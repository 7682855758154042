/**
 * The GraphQL operations a service answers: request rate, errors by `extensions.code` and latency,
 * per operation name, type and tenant (bounded labels: ./metric-labels.ts), plus the access log
 * line, one per operation, with its duration and outcome. The gateway and the subgraphs record
 * every operation through {@link OperationMetrics.record} when its response is sent.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logger';
import { errorCodeLabel, OperationLabels, TenantLabels, type OperationLabelOptions } from './metric-labels';
import { METRIC_PREFIX } from './metrics-registry';

/** Latency buckets of GraphQL operations and subgraph fetches, seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One finished operation. */
export interface OperationRecord {
  /** Operation name as sent (unbounded; labelled through {@link OperationLabels}). */
  operationName?: string;
  /** `query`, `mutation`, `subscription`, or undefined when it did not parse. */
  operationType?: string;
  tenantId?: string;
  /** `http` or `ws`. */
  transport: string;
  /** HTTP status (200 for operations over WebSocket). */
  status: number;
  /** `extensions.code` of each error of the response. */
  errorCodes: readonly string[];
  durationMs: number;
}

/** Label settings of {@link OperationMetrics}. */
export interface OperationMetricsOptions {
  operations?: OperationLabelOptions;
  /** Tenant ids with a label of their own (`METRICS_TENANTS`). */
  tenants?: readonly string[];
}

/** See module doc. */
export class OperationMetrics {
  private readonly requests: Counter<'operation' | 'type' | 'tenant' | 'transport'>;
  private readonly errors: Counter<'operation' | 'code' | 'tenant'>;
  private readonly duration: Histogram<'operation' | 'type' | 'outcome'>;
  private readonly operations: OperationLabels;
  private readonly tenants: TenantLabels;

  constructor(registry: Registry, options: OperationMetricsOptions = {}) {
    this.operations = new OperationLabels(options.operations);
    this.tenants = new TenantLabels(options.tenants);
    this.requests = new Counter({
      name: `${METRIC_PREFIX}graphql_requests_total`,
      help: 'GraphQL operations answered, by operation name, type, tenant and transport.',
      labelNames: ['operation', 'type', 'tenant', 'transport'],
      registers: [registry],
    });
    this.errors = new Counter({
      name: `${METRIC_PREFIX}graphql_errors_total`,
      help: 'Errors in GraphQL responses, by extensions.code, operation name and tenant.',
      labelNames: ['operation', 'code', 'tenant'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}graphql_request_duration_seconds`,
      help: 'Time to answer a GraphQL operation, by operation name, type and outcome (ok, error).',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  /** Counts `op` and writes its access log line on `logger` (info; warn when the status is 5xx). */
  record(op: OperationRecord, logger?: Logger): void {
    const operation = this.operations.label(op.operationName);
    const tenant = this.tenants.label(op.tenantId);
    const type = op.operationType ?? 'unknown';
    const outcome = op.errorCodes.length || op.status >= 400 ? 'error' : 'ok';
    this.requests.inc({ operation, type, tenant, transport: op.transport });
    for (const code of op.errorCodes) this.errors.inc({ operation, code: errorCodeLabel(code), tenant });
    this.duration.observe({ operation, type, outcome }, op.durationMs / 1000);
    if (!logger) return;
    const line = {
      access: true,
      transport: op.transport,
      operationType: type,
      status: op.status,
      outcome,
      durationMs: Math.round(op.durationMs * 10) / 10,
      ...(op.errorCodes.length ? { errorCodes: [...new Set(op.errorCodes)] } : {}),
    };
    if (op.status >= 500) logger.warn(line, 'operation');
    else logger.info(line, 'operation');
  }
}
