/**
 * Builds the admission pipeline (admission.ts) and its neighbours from plain settings: the pieces
 * every transport adapter of the gateway shares (the pipeline, the socket and subscription caps,
 * the fair scheduler of operations in flight).
 */
import type { RedisClient } from '../../lib/events/redis/redis-connection';
import type { ExecutionResult } from 'graphql';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import { TenantScheduler } from '../fairness/tenant-scheduler';
import { QueryPlanning } from '../planning/query-planning';
import { Admission } from './admission';
import { ConnectionCaps, DEFAULT_CONNECTION_CAPS, type ConnectionCapLimits } from './connection-caps';
import { costModelOfSdl } from './cost-model';
import { DocumentAdmission } from './document-admission';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './operation-limits';
import { createPersistedQueryStore } from './persisted-query-store';
import { RequestBudgets, type UserBudgets } from './request-budgets';
import { TenantPlans, type TenantPlan } from './tenant-plans';
import { loadManifest, TrustedDocuments, type TrustedDocumentsMode } from './trusted-documents';

/** The plan that applies while a tenant's own cannot be read (the `standard` plan of the seed migration). */
export const FALLBACK_PLAN: TenantPlan = { name: 'standard', requestsPerMinute: 600, costPerMinute: 60_000 };

/** Settings of the admission pipeline; every one has a default (README, "Configuration"). */
export interface AdmissionSettings {
  limits?: Partial<OperationLimits>;
  /** Size of a list field with no slicing argument and no `@listSize(assumedSize:)` (default 10). */
  defaultListSize?: number;
  /** Introspection for every principal (default true; false: only with `schema:read`). */
  introspection?: boolean;
  /** Budgets per user (defaults 600 operations and 100,000 cost points per minute). */
  user?: Partial<UserBudgets>;
  /** Operations in flight in this process, shared between tenants in turn (default 64). */
  maxInFlight?: number;
  /** Operations in flight of one tenant (default 4). */
  maxInFlightPerTenant?: number;
  /** Operations of one tenant waiting for a slot; beyond it `RATE_LIMITED` (default 1,000). */
  maxQueuedPerTenant?: number;
  /** Socket and subscription caps (each per process). */
  caps?: Partial<ConnectionCapLimits>;
  /** A trusted documents manifest (Apollo's or The Guild's JSON format). */
  trustedDocumentsManifest?: string;
  /** `require` (default with a manifest): only manifest documents run; `allow`: any document too. */
  trustedDocumentsMode?: TrustedDocumentsMode;
  /** Longest planning of a new document in the planning worker, ms (default 2,000); 0: plan on the event loop (benchmarks). */
  planningTimeoutMs?: number;
  /** New documents of one tenant waiting for the planning worker; beyond it `RATE_LIMITED` (default 100). */
  planningQueuePerTenant?: number;
  /** How long the planning worker stays without a new document before it ends, ms (default 10,000; 0: never). */
  planningWorkerIdleMs?: number;
  /** Longest pause before an HTTP 429 is answered, ms (default 1,000; http-admission.ts). */
  refusalDelayMs?: number;
  /** The plan that applies while a tenant's own cannot be read (default {@link FALLBACK_PLAN}). */
  fallbackPlan?: TenantPlan;
}

/** Dependencies of {@link createAdmission}. */
export interface AdmissionDeps {
  /** The supergraph SDL, whose `@cost`/`@listSize` the cost analysis reads. */
  supergraphSdl: string;
  /** Drop "Did you mean ...?" from validation errors (production). */
  hideSchemaDetails: boolean;
  /** Redis for budgets and persisted queries shared by the replicas; absent = in process. */
  redis?: RedisClient;
  /** Runs a query as a principal without admission (the tenant plan lookups). */
  execute: (principal: Principal, query: string) => Promise<ExecutionResult>;
  logger: Logger;
}

/** What the transports share. */
export interface AdmissionParts {
  admission: Admission;
  caps: ConnectionCaps;
  /** The fair scheduler of operations in flight (HTTP and queries and mutations over WebSocket). */
  scheduler: TenantScheduler;
  /** The limits in force. */
  limits: OperationLimits;
  /** Bounded planning (absent when `planningTimeoutMs` is 0); its cache is the gateway's query plan cache. */
  planning?: QueryPlanning;
}

/**
 * Builds the pipeline.
 * @throws Error when the trusted documents manifest cannot be read or is malformed.
 */
export function createAdmission(settings: AdmissionSettings, deps: AdmissionDeps): AdmissionParts {
  const limits: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, ...settings.limits };
  const manifest = settings.trustedDocumentsManifest ? loadManifest(settings.trustedDocumentsManifest) : new Map<string, string>();
  const mode = settings.trustedDocumentsMode ?? (settings.trustedDocumentsManifest ? 'require' : 'allow');
  const planning =
    settings.planningTimeoutMs === 0
      ? undefined
      : new QueryPlanning({
          supergraphSdl: deps.supergraphSdl,
          logger: deps.logger,
          timeoutMs: settings.planningTimeoutMs,
          maxQueuedPerTenant: settings.planningQueuePerTenant,
          idleMs: settings.planningWorkerIdleMs,
        });
  const admission = new Admission({
    documents: new DocumentAdmission({ limits, hideSchemaDetails: deps.hideSchemaDetails }),
    trustedDocuments: new TrustedDocuments(manifest, mode, createPersistedQueryStore({ redis: deps.redis })),
    costModel: costModelOfSdl(deps.supergraphSdl),
    costOptions: { defaultListSize: settings.defaultListSize ?? 10 },
    maxCost: limits.maxCost,
    budgets: new RequestBudgets({
      redis: deps.redis,
      user: { requestsPerMinute: 600, costPerMinute: 100_000, ...settings.user },
    }),
    plans: new TenantPlans({ execute: deps.execute, fallback: settings.fallbackPlan ?? FALLBACK_PLAN, logger: deps.logger }),
    introspection: settings.introspection ?? true,
    planning,
  });
  const scheduler = new TenantScheduler({
    maxConcurrent: settings.maxInFlight ?? 64,
    maxPerTenant: settings.maxInFlightPerTenant ?? 4,
    maxQueuedPerTenant: settings.maxQueuedPerTenant ?? 1_000,
  });
  return { admission, caps: new ConnectionCaps({ ...DEFAULT_CONNECTION_CAPS, ...settings.caps }), scheduler, limits, planning };
}
