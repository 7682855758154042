/**
 * The service plan of each tenant (the size of its budgets, request-budgets.ts), read from the tenant
 * subgraph (`tenant { plan { ... } }`, the `plans` table) through the gateway with the principal of
 * the request that needs it, and kept for {@link TenantPlansOptions.ttlMs}. Concurrent lookups of one
 * tenant share one query. When the lookup fails (the tenant subgraph is down) the configured default
 * plan applies for a few seconds, so admission never waits on or fails with the tenant subgraph.
 */
import type { ExecutionResult } from 'graphql';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';

/** A tenant's plan: the sizes of its budgets over time. */
export interface TenantPlan {
  name: string;
  /** Operations per minute. */
  requestsPerMinute: number;
  /** Static cost points per minute. */
  costPerMinute: number;
}

/** Options of {@link TenantPlans}. */
export interface TenantPlansOptions {
  /** Runs a query through the gateway as `principal`, without admission (never rejects). */
  execute: (principal: Principal, query: string) => Promise<ExecutionResult>;
  /** The plan that applies while a tenant's own cannot be read. */
  fallback: TenantPlan;
  logger: Logger;
  /** How long a plan read is kept, ms (default 60,000). */
  ttlMs?: number;
  /** How long the fallback is kept after a failed read, ms (default 5,000). */
  failureTtlMs?: number;
  /** Most tenants kept (default 10,000). */
  maxTenants?: number;
}

/** The query that reads the plan of the principal's tenant. */
export const PLAN_QUERY = 'query TenantPlan { tenant { plan { name requestsPerMinute costPerMinute } } }';

interface Entry {
  until: number;
  plan: Promise<TenantPlan>;
}

function isPlan(value: unknown): value is TenantPlan {
  const p = value as TenantPlan | null | undefined;
  return !!p && typeof p.name === 'string' && Number.isInteger(p.requestsPerMinute) && Number.isInteger(p.costPerMinute);
}

/** See the module doc. */
export class TenantPlans {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: TenantPlansOptions) {}

  /** The plan of `principal`'s tenant; never rejects. */
  planOf(principal: Principal): Promise<TenantPlan> {
    const now = Date.now();
    const hit = this.entries.get(principal.tenantId);
    if (hit && hit.until > now) return hit.plan;
    const entry: Entry = { until: now + (this.options.ttlMs ?? 60_000), plan: this.read(principal) };
    if (this.entries.size >= (this.options.maxTenants ?? 10_000)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(principal.tenantId, entry);
    return entry.plan;
  }

  private async read(principal: Principal): Promise<TenantPlan> {
    const result = await this.options.execute(principal, PLAN_QUERY);
    const plan = (result.data as { tenant?: { plan?: unknown } } | null | undefined)?.tenant?.plan;
    if (isPlan(plan)) return plan;
    this.options.logger.warn(
      { tenantId: principal.tenantId, errors: result.errors?.map((e) => e.message) },
      'cannot read the tenant plan; the default plan applies for now',
    );
    const entry = this.entries.get(principal.tenantId);
    if (entry) entry.until = Date.now() + (this.options.failureTtlMs ?? 5_000);
    return this.options.fallback;
  }
}
