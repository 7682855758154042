/**
 * Budgets and caps out of the way, for the benchmarks that measure throughput and latency of the
 * gateway itself (the admission pipeline still runs every step: limits, cost, counters): every
 * budget and cap is far above what a benchmark sends. The isolation benchmark
 * (bench/isolation.bench.ts) is the one that measures the budgets.
 */
import { Client } from 'pg';
import type { AppConfig } from '../lib/config';
import type { TenantPlan } from '../gateway/admission/tenant-plans';

/** A plan no benchmark spends. */
export const UNBOUNDED_PLAN: TenantPlan = { name: 'unbounded', requestsPerMinute: 1_000_000_000, costPerMinute: 1_000_000_000 };

/** `config` with user budgets, in-flight slots, queues and socket and subscription caps far above any benchmark. */
export function unboundedAdmission(config: AppConfig): AppConfig {
  return {
    ...config,
    admission: {
      ...config.admission,
      user: { requestsPerMinute: 1_000_000_000, costPerMinute: 1_000_000_000 },
      maxInFlight: 1_000,
      maxInFlightPerTenant: 1_000,
      maxQueuedPerTenant: 100_000,
      planningQueuePerTenant: 100_000,
      caps: { socketsPerTenant: 100_000, socketsPerUser: 100_000, subscriptionsPerTenant: 100_000, subscriptionsPerUser: 100_000 },
    },
  };
}

/** The admission settings of {@link unboundedAdmission}, plus the fallback plan (supergraphs without `Tenant.plan`). */
export function unboundedSettings(config: AppConfig): AppConfig['admission'] & { fallbackPlan: TenantPlan } {
  return { ...unboundedAdmission(config).admission, fallbackPlan: UNBOUNDED_PLAN };
}

/** Puts every tenant of the database at `url` (owner role) on {@link UNBOUNDED_PLAN}. */
export async function unboundedPlans(url: string): Promise<void> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    await pg.query(`INSERT INTO plans (name, requests_per_minute, cost_per_minute) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, [
      UNBOUNDED_PLAN.name,
      UNBOUNDED_PLAN.requestsPerMinute,
      UNBOUNDED_PLAN.costPerMinute,
    ]);
    await pg.query('UPDATE tenants SET plan = $1', [UNBOUNDED_PLAN.name]);
  } finally {
    await pg.end();
  }
}
