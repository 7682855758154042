/**
 * Step 5 of the admission pipeline: the budgets over time of the tenant and of the user, charged
 * once per operation, whatever the transport (HTTP and operations over graphql-ws alike):
 *
 * - requests: 1 point per operation; cost: the operation's static cost (operation-cost.ts);
 * - per tenant, sized by the tenant's plan (`plans` table, read through tenant-plans.ts); per user
 *   (tenant-qualified), sized by the configuration;
 * - each budget is a points-per-minute window plus a one-second window of
 *   {@link BURST_SHARE} of the minute (but never less than one operation at the cost ceiling), so a
 *   flood is cut within a second instead of spending a whole minute's budget at once.
 *
 * With Redis the counters are shared by every gateway replica (rate-limiter-flexible's
 * `RateLimiterRedis`, atomic); while Redis does not answer, each replica falls back to counting in
 * process (its `insuranceLimiter`), so an outage of Redis never refuses or fails a request by
 * itself. Without Redis the counters live in this process (`RateLimiterMemory`).
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RateLimiterUnion } from 'rate-limiter-flexible';
import type { GraphQLError } from 'graphql';
import type { Principal } from '../../lib/principal';
import { rateLimited } from './admission-error';
import type { TenantPlan } from './tenant-plans';

/** Share of a per-minute budget that may be spent within one second. */
export const BURST_SHARE = 1 / 12;

/** Budgets of one user, per minute (every user of every tenant). */
export interface UserBudgets {
  /** Operations per minute of one user (default 600). */
  requestsPerMinute: number;
  /** Static cost points per minute of one user (default 100,000). */
  costPerMinute: number;
}

/** Options of {@link RequestBudgets}. */
export interface RequestBudgetsOptions {
  /** Shared counters; absent = in process. */
  redis?: Redis;
  user: UserBudgets;
  /** The per-operation cost ceiling: every one-second window admits at least one such operation. */
  maxCost: number;
  /** Key prefix of the counters in Redis (default `rl`). */
  keyPrefix?: string;
}

type Budget = 'tenant-requests' | 'tenant-cost' | 'user-requests' | 'user-cost';

/** See the module doc. */
export class RequestBudgets {
  private readonly limiters = new Map<string, RateLimiterUnion>();

  constructor(private readonly options: RequestBudgetsOptions) {}

  /** A limiter of `perMinute` points per minute and the burst share per second, for `budget`. */
  private limiter(budget: Budget, perMinute: number, floor: number): RateLimiterUnion {
    const id = `${budget}:${perMinute}`;
    let limiter = this.limiters.get(id);
    if (limiter) return limiter;
    const perSecond = Math.max(Math.ceil(perMinute * BURST_SHARE), floor);
    const windows = [
      { points: perMinute, duration: 60, keyPrefix: `${this.options.keyPrefix ?? 'rl'}:${id}:m` },
      { points: perSecond, duration: 1, keyPrefix: `${this.options.keyPrefix ?? 'rl'}:${id}:s` },
    ].map((w) => {
      const memory = new RateLimiterMemory(w);
      const redis = this.options.redis;
      return redis ? new RateLimiterRedis({ ...w, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory }) : memory;
    });
    limiter = new RateLimiterUnion(...windows);
    this.limiters.set(id, limiter);
    return limiter;
  }

  /** Consumes `points` of `budget` for `key`; the wait in ms when the budget is spent, else undefined. */
  private async consume(budget: Budget, perMinute: number, floor: number, key: string, points: number): Promise<number | undefined> {
    if (points <= 0) return undefined;
    try {
      await this.limiter(budget, perMinute, floor).consume(key, points);
      return undefined;
    } catch (rejection) {
      // RateLimiterUnion rejects with { [limiterPrefix]: RateLimiterRes } for the windows that refused.
      const results = rejection instanceof RateLimiterRes ? [rejection] : Object.values(rejection as Record<string, unknown>);
      const waits = results.filter((r): r is RateLimiterRes => r instanceof RateLimiterRes).map((r) => r.msBeforeNext);
      if (waits.length === 0) throw rejection;
      return Math.max(...waits);
    }
  }

  /**
   * Charges one operation of static cost `cost` to the principal's tenant (sized by `plan`) and user.
   * Resolves with `RATE_LIMITED` (HTTP 429, `Retry-After`) naming the first budget that is spent, or
   * undefined when the operation may run.
   */
  async charge(principal: Principal, plan: TenantPlan, cost: number): Promise<GraphQLError | undefined> {
    const tenant = principal.tenantId;
    const user = `${principal.tenantId}:${principal.userId}`;
    const { user: u, maxCost } = this.options;
    const checks: Array<[Budget, number, number, string, number]> = [
      ['tenant-requests', plan.requestsPerMinute, 1, tenant, 1],
      ['user-requests', u.requestsPerMinute, 1, user, 1],
      ['tenant-cost', plan.costPerMinute, maxCost, tenant, cost],
      ['user-cost', u.costPerMinute, maxCost, user, cost],
    ];
    for (const [budget, perMinute, floor, key, points] of checks) {
      const waitMs = await this.consume(budget, perMinute, floor, key, points);
      if (waitMs !== undefined) {
        const whose = budget.startsWith('tenant') ? 'The tenant' : 'This user';
        const what = budget.endsWith('cost') ? 'query cost budget' : 'request rate limit';
        return rateLimited(`${whose} has spent its ${what} (plan ${plan.name}); retry later.`, budget, waitMs);
      }
    }
    return undefined;
  }
}
