/**
 * The operators' part of the configuration (lib/config.ts reads and validates the environment; this
 * module holds the variables of metrics, readiness, shutdown, tracing, memory and subgraph resilience, and
 * turns their parsed values into plain settings). README, "Configuration" and "Operations".
 */
import { z } from 'zod';
import { bool } from './config-values';
import { SUBGRAPHS, type SubgraphName } from './schema/subgraphs';

/** Operators' settings: metric label bounds, readiness, shutdown, tracing, memory. */
export interface ObservabilityConfig {
  /** Tenant ids that get their own metric label (`METRICS_TENANTS`); others are `(other)`. */
  metricTenants: string[];
  /** Operation names that get their own metric label (`METRICS_OPERATIONS`); empty = the first `maxOperationLabels` names seen. */
  metricOperations: string[];
  /** Distinct operation-name labels without an allow-list (`METRICS_MAX_OPERATIONS`, default 100). */
  maxOperationLabels: number;
  /** Time each `/readyz` check may take, ms (`READINESS_TIMEOUT_MS`, default 2,000). */
  readinessTimeoutMs: number;
  /**
   * Whether an unreachable Redis makes `/readyz` of the gateway and the subgraphs `not ready` (503;
   * `READINESS_REDIS_CRITICAL`, default true) or only `degraded` (200: queries and mutations go on,
   * their events wait in the outbox). The outbox relay is never ready without Redis.
   */
  readinessRedisCritical: boolean;
  /** Time between readiness turning false and draining at shutdown, ms (`SHUTDOWN_DRAIN_DELAY_MS`, default 0). */
  drainDelayMs: number;
  /**
   * How long a process's event loop must stay idle after its RSS grew before it gives the memory back
   * with one memory-reducing collection, ms (`MEMORY_RELEASE_IDLE_MS`, default 5,000; 0 = never;
   * lib/runtime/idle-memory-release.ts).
   */
  memoryReleaseIdleMs: number;
  tracing: {
    /** OTLP/HTTP traces URL (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`); unset = off. */
    otlpEndpoint?: string;
    /** `service.name` (`OTEL_SERVICE_NAME`; default the process role). */
    serviceName?: string;
    /** Fraction of new traces sampled (`OTEL_TRACES_SAMPLER_ARG`, default 1). */
    sampleRatio: number;
  };
}

/** Deadline, retries and breaker settings of subgraph fetches (gateway/subgraph-resilience.ts). */
export interface ResilienceConfig {
  /** For every subgraph (`SUBGRAPH_TIMEOUT_MS`, `SUBGRAPH_MAX_ATTEMPTS`, `SUBGRAPH_BREAKER_THRESHOLD`, `SUBGRAPH_BREAKER_HALF_OPEN_MS`). */
  default: { deadlineMs: number; maxAttempts: number; breakerThreshold: number; breakerHalfOpenMs: number };
  /** Per-subgraph deadlines (`TENANT_TIMEOUT_MS`, `CATALOG_TIMEOUT_MS`, ...), where set. */
  subgraphs: Partial<Record<SubgraphName, { deadlineMs: number }>>;
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function int(fallback: number, min = 0) {
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  return z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^\d+$/, { error: `must be ${what}` })
        .transform(Number)
        .refine((n) => n >= min, { error: `must be ${what}` })
        .optional(),
    )
    .transform((n) => n ?? fallback);
}
const optionalMs = z.preprocess(
  blankToUndefined,
  z
    .string()
    .regex(/^[1-9]\d*$/, { error: 'must be a positive integer' })
    .transform(Number)
    .optional(),
);
const url = z.preprocess(blankToUndefined, z.url({ error: 'must be a URL' }).optional());
const text = z.preprocess(blankToUndefined, z.string().optional());
const list = z.preprocess(blankToUndefined, z.string().optional()).transform((v) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const ratio = z
  .preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, { error: 'must be a number from 0 to 1' })
      .optional(),
  )
  .transform((v) => (v === undefined ? 1 : Number(v)));

/** The variables of this part, by name (merged into the configuration's schema). */
export const OPERATIONS_ENV = {
  METRICS_TENANTS: list,
  METRICS_OPERATIONS: list,
  METRICS_MAX_OPERATIONS: int(100, 1),
  READINESS_TIMEOUT_MS: int(2000, 1),
  READINESS_REDIS_CRITICAL: bool(true),
  SHUTDOWN_DRAIN_DELAY_MS: int(0),
  MEMORY_RELEASE_IDLE_MS: int(5000),
  SUBGRAPH_TIMEOUT_MS: int(5000, 1),
  SUBGRAPH_MAX_ATTEMPTS: int(3, 1),
  SUBGRAPH_BREAKER_THRESHOLD: int(5, 1),
  SUBGRAPH_BREAKER_HALF_OPEN_MS: int(5000, 1),
  TENANT_TIMEOUT_MS: optionalMs,
  CATALOG_TIMEOUT_MS: optionalMs,
  ORDERS_TIMEOUT_MS: optionalMs,
  NOTIFICATIONS_TIMEOUT_MS: optionalMs,
  OTEL_EXPORTER_OTLP_ENDPOINT: url,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url,
  OTEL_SERVICE_NAME: text,
  OTEL_TRACES_SAMPLER_ARG: ratio,
};

const TIMEOUT_VARS = {
  tenant: 'TENANT_TIMEOUT_MS',
  catalog: 'CATALOG_TIMEOUT_MS',
  orders: 'ORDERS_TIMEOUT_MS',
  notifications: 'NOTIFICATIONS_TIMEOUT_MS',
} as const;

type OperationsEnv = z.output<z.ZodObject<typeof OPERATIONS_ENV>>;

/** The plain settings of the parsed variables `e`. */
export function operationsConfig(e: OperationsEnv): { observability: ObservabilityConfig; resilience: ResilienceConfig } {
  return {
    observability: {
      metricTenants: e.METRICS_TENANTS.map((t) => t.toLowerCase()),
      metricOperations: e.METRICS_OPERATIONS,
      maxOperationLabels: e.METRICS_MAX_OPERATIONS,
      readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
      readinessRedisCritical: e.READINESS_REDIS_CRITICAL!,
      drainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
      memoryReleaseIdleMs: e.MEMORY_RELEASE_IDLE_MS,
      tracing: {
        otlpEndpoint:
          e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
          (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined),
        serviceName: e.OTEL_SERVICE_NAME,
        sampleRatio: e.OTEL_TRACES_SAMPLER_ARG,
      },
    },
    resilience: {
      default: {
        deadlineMs: e.SUBGRAPH_TIMEOUT_MS,
        maxAttempts: e.SUBGRAPH_MAX_ATTEMPTS,
        breakerThreshold: e.SUBGRAPH_BREAKER_THRESHOLD,
        breakerHalfOpenMs: e.SUBGRAPH_BREAKER_HALF_OPEN_MS,
      },
      subgraphs: Object.fromEntries(
        SUBGRAPHS.flatMap(({ name }) => {
          const ms = e[TIMEOUT_VARS[name]];
          return ms ? [[name, { deadlineMs: ms }]] : [];
        }),
      ),
    },
  };
}
