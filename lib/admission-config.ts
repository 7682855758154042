/**
 * The admission variables of the gateway (README, "Limits, cost and rate limits"): their schema and
 * the {@link AdmissionConfig} made of them. lib/config.ts validates them with every other variable;
 * this module reads no environment itself.
 */
import { z } from 'zod';
import { blankToUndefined, bool, int, text } from './config-values';

/** What the gateway admits (gateway/admission/; README, "Limits, cost and rate limits"). */
export interface AdmissionConfig {
  /** Document limits per operation (`GRAPHQL_MAX_*`). */
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxRootFields: number;
    maxMutationRootFields: number;
    maxFields: number;
    maxDirectives: number;
    maxTokens: number;
    maxCharacters: number;
    maxCost: number;
  };
  /** Size assumed for a list with no slicing argument and no `@listSize` (`GRAPHQL_DEFAULT_LIST_SIZE`, 10). */
  defaultListSize: number;
  /** Introspection for everyone (`GRAPHQL_INTROSPECTION`; default true, false in production: `schema:read` only). */
  introspection: boolean;
  /** Budgets of one user per minute (`RATE_LIMIT_USER_REQUESTS_PER_MINUTE` 600, `RATE_LIMIT_USER_COST_PER_MINUTE` 100,000). */
  user: { requestsPerMinute: number; costPerMinute: number };
  /** Operations in flight per gateway process (`GATEWAY_MAX_IN_FLIGHT`, 64). */
  maxInFlight: number;
  /** Operations in flight of one tenant (`GATEWAY_MAX_IN_FLIGHT_PER_TENANT`, 4). */
  maxInFlightPerTenant: number;
  /** Operations of one tenant waiting for a slot (`GATEWAY_MAX_QUEUED_PER_TENANT`, 1,000). */
  maxQueuedPerTenant: number;
  /** Caps per gateway process (`WS_MAX_SOCKETS_PER_TENANT` 500, `WS_MAX_SOCKETS_PER_USER` 50, `MAX_SUBSCRIPTIONS_PER_TENANT` 2,500, `MAX_SUBSCRIPTIONS_PER_USER` 500). */
  caps: { socketsPerTenant: number; socketsPerUser: number; subscriptionsPerTenant: number; subscriptionsPerUser: number };
  /** Trusted documents manifest (`TRUSTED_DOCUMENTS_MANIFEST`). */
  trustedDocumentsManifest?: string;
  /** `require` or `allow` (`TRUSTED_DOCUMENTS`; default `require` with a manifest). */
  trustedDocumentsMode?: 'require' | 'allow';
  /** Longest planning of a new document in the planning worker (`GRAPHQL_PLANNING_TIMEOUT_MS`, 2,000; 0: plan on the event loop). */
  planningTimeoutMs: number;
  /** New documents of one tenant waiting to be planned (`GRAPHQL_PLANNING_QUEUE_PER_TENANT`, 100). */
  planningQueuePerTenant: number;
  /** How long the planning worker stays without a new document before it ends (`GRAPHQL_PLANNING_WORKER_IDLE_MS`, 10,000; 0: never). */
  planningWorkerIdleMs: number;
  /** Pause before an HTTP 429 is answered (`RATE_LIMIT_REFUSAL_DELAY_MS`, 1,000, plus 0-50% jitter; 0: at once). */
  refusalDelayMs: number;
}

/** The admission variables, by name (part of lib/config.ts's schema). */
export const ADMISSION_ENV = {
  GRAPHQL_MAX_DEPTH: int(12, 1),
  GRAPHQL_MAX_ALIASES: int(30),
  GRAPHQL_MAX_ROOT_FIELDS: int(20, 1),
  GRAPHQL_MAX_MUTATION_ROOT_FIELDS: int(5, 1),
  GRAPHQL_MAX_FIELDS: int(300, 1),
  GRAPHQL_MAX_DIRECTIVES: int(20),
  GRAPHQL_MAX_TOKENS: int(5_000, 1),
  GRAPHQL_MAX_CHARACTERS: int(50_000, 1),
  GRAPHQL_MAX_COST: int(20_000, 1),
  GRAPHQL_DEFAULT_LIST_SIZE: int(10, 1),
  GRAPHQL_INTROSPECTION: bool(),
  RATE_LIMIT_USER_REQUESTS_PER_MINUTE: int(600, 1),
  RATE_LIMIT_USER_COST_PER_MINUTE: int(100_000, 1),
  GATEWAY_MAX_IN_FLIGHT: int(64, 1),
  GATEWAY_MAX_IN_FLIGHT_PER_TENANT: int(4, 1),
  GATEWAY_MAX_QUEUED_PER_TENANT: int(1_000),
  WS_MAX_SOCKETS_PER_TENANT: int(500, 1),
  WS_MAX_SOCKETS_PER_USER: int(50, 1),
  MAX_SUBSCRIPTIONS_PER_TENANT: int(2_500, 1),
  MAX_SUBSCRIPTIONS_PER_USER: int(500, 1),
  TRUSTED_DOCUMENTS_MANIFEST: text,
  GRAPHQL_PLANNING_TIMEOUT_MS: int(2_000),
  GRAPHQL_PLANNING_QUEUE_PER_TENANT: int(100, 1),
  GRAPHQL_PLANNING_WORKER_IDLE_MS: int(10_000),
  RATE_LIMIT_REFUSAL_DELAY_MS: int(1_000),
  TRUSTED_DOCUMENTS: z.preprocess(blankToUndefined, z.enum(['require', 'allow'], { error: 'must be require or allow' }).optional()),
};

/** The validated admission variables. */
type AdmissionEnv = z.output<z.ZodObject<typeof ADMISSION_ENV>>;

/** The admission configuration of validated variables `e`; introspection defaults to off in production. */
export function admissionConfigOf(e: AdmissionEnv, mode: 'development' | 'production' | 'test'): AdmissionConfig {
  return {
    limits: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxRootFields: e.GRAPHQL_MAX_ROOT_FIELDS,
      maxMutationRootFields: e.GRAPHQL_MAX_MUTATION_ROOT_FIELDS,
      maxFields: e.GRAPHQL_MAX_FIELDS,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxCharacters: e.GRAPHQL_MAX_CHARACTERS,
      maxCost: e.GRAPHQL_MAX_COST,
    },
    defaultListSize: e.GRAPHQL_DEFAULT_LIST_SIZE,
    introspection: e.GRAPHQL_INTROSPECTION ?? mode !== 'production',
    user: { requestsPerMinute: e.RATE_LIMIT_USER_REQUESTS_PER_MINUTE, costPerMinute: e.RATE_LIMIT_USER_COST_PER_MINUTE },
    maxInFlight: e.GATEWAY_MAX_IN_FLIGHT,
    maxInFlightPerTenant: e.GATEWAY_MAX_IN_FLIGHT_PER_TENANT,
    maxQueuedPerTenant: e.GATEWAY_MAX_QUEUED_PER_TENANT,
    caps: {
      socketsPerTenant: e.WS_MAX_SOCKETS_PER_TENANT,
      socketsPerUser: e.WS_MAX_SOCKETS_PER_USER,
      subscriptionsPerTenant: e.MAX_SUBSCRIPTIONS_PER_TENANT,
      subscriptionsPerUser: e.MAX_SUBSCRIPTIONS_PER_USER,
    },
    trustedDocumentsManifest: e.TRUSTED_DOCUMENTS_MANIFEST,
    trustedDocumentsMode: e.TRUSTED_DOCUMENTS,
    planningTimeoutMs: e.GRAPHQL_PLANNING_TIMEOUT_MS,
    planningQueuePerTenant: e.GRAPHQL_PLANNING_QUEUE_PER_TENANT,
    planningWorkerIdleMs: e.GRAPHQL_PLANNING_WORKER_IDLE_MS,
    refusalDelayMs: e.RATE_LIMIT_REFUSAL_DELAY_MS,
  };
}
