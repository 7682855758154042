/**
 * Step 6 of the admission pipeline: the budgets over time of the tenant and of the user, charged
 * once per operation, whatever the transport (HTTP and operations over graphql-ws alike):
 *
 * - requests: 1 point per operation; cost: the operation's static cost (operation-cost.ts);
 * - per tenant, sized by the tenant's plan (`plans` table, read through tenant-plans.ts); per user
 *   (tenant-qualified), sized by the configuration;
 * - each budget is a points-per-minute window plus a one-second window of {@link BURST_SHARE} of
 *   the minute (two seconds' worth of the average rate), so a tenant cannot spend a minute's budget
 *   in a burst that would crowd out its neighbours. An operation is charged at most the size of a
 *   window (an operation dearer than a window spends the whole window, so it runs at most once per
 *   window instead of never).
 *
 * With Redis the counters are shared by every gateway replica (rate-limiter-flexible's
 * `RateLimiterRedis`, atomic); while Redis does not answer, each replica falls back to counting in
 * process (its `insuranceLimiter`), so an outage of Redis never refuses or fails a request by
 * itself. A key that spent its window is remembered in process until the window ends
 * (`inMemoryBlockOnConsumed`), so a flood is refused without a Redis round trip. Every window of the
 * four budgets is charged at once (one round trip of latency). Without Redis the counters live in
 * this process (`RateLimiterMemory`).
 *
 * A tenant or user refused is refused again, without parsing its next documents, until the wait it
 * was told (`Retry-After`) has passed ({@link RequestBudgets.refusal}): a flood costs the gateway a
 * token check and a map lookup per request.
 */
import type { RedisClient } from '../../lib/events/redis/redis-connection';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { GraphQLError } from 'graphql';
import type { Principal } from '../../lib/principal';
import { rateLimited } from './admission-error';
import type { TenantPlan } from './tenant-plans';

/** Share of a per-minute budget that may be spent within one second: two seconds at the average rate. */
export const BURST_SHARE = 1 / 30;

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
  redis?: RedisClient;
  user: UserBudgets;
  /** Key prefix of the counters in Redis (default `rl`). */
  keyPrefix?: string;
}

type Budget = 'tenant-requests' | 'tenant-cost' | 'user-requests' | 'user-cost';

/** One window of a budget: its limiter and its size. */
interface Window {
  limiter: RateLimiterAbstract;
  points: number;
}

/** See the module doc. */
export class RequestBudgets {
  private readonly windows = new Map<string, Window[]>();
  /** Keys (`t:<tenant>`, `u:<tenant>:<user>`) refused recently: until when (ms), which budget, which plan. */
  private readonly blocked = new Map<string, { until: number; budget: Budget; plan: string }>();

  constructor(private readonly options: RequestBudgetsOptions) {}

  /** The minute and one-second windows of `perMinute` points for `budget`. */
  private windowsOf(budget: Budget, perMinute: number): Window[] {
    const id = `${budget}:${perMinute}`;
    let windows = this.windows.get(id);
    if (windows) return windows;
    const prefix = `${this.options.keyPrefix ?? 'rl'}:${id}`;
    windows = [
      { points: perMinute, duration: 60, keyPrefix: `${prefix}:m` },
      { points: Math.max(1, Math.ceil(perMinute * BURST_SHARE)), duration: 1, keyPrefix: `${prefix}:s` },
    ].map((w) => {
      const memory = new RateLimiterMemory(w);
      const redis = this.options.redis;
      const limiter = redis
        ? new RateLimiterRedis({
            ...w,
            storeClient: redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
            inMemoryBlockOnConsumed: w.points,
            inMemoryBlockDuration: w.duration,
          })
        : memory;
      return { limiter, points: w.points };
    });
    this.windows.set(id, windows);
    return windows;
  }

  /** Charges `points` (capped at each window's size) of `budget` for `key`; the wait in ms when a window is spent. */
  private async consume(budget: Budget, perMinute: number, key: string, points: number): Promise<number | undefined> {
    if (points <= 0) return undefined;
    const waits = await Promise.all(
      this.windowsOf(budget, perMinute).map(async (w) => {
        try {
          await w.limiter.consume(key, Math.min(points, w.points));
          return undefined;
        } catch (rejection) {
          if (rejection instanceof RateLimiterRes) return rejection.msBeforeNext;
          throw rejection;
        }
      }),
    );
    const spent = waits.filter((w): w is number => w !== undefined);
    return spent.length > 0 ? Math.max(...spent) : undefined;
  }

  /**
   * `RATE_LIMITED` when the principal's tenant or user was refused and its `Retry-After` has not
   * passed yet, else undefined. Costs a map lookup: the admission pipeline asks it before parsing.
   */
  refusal(principal: Principal): GraphQLError | undefined {
    const now = Date.now();
    for (const key of [`t:${principal.tenantId}`, `u:${principal.tenantId}:${principal.userId}`]) {
      const hit = this.blocked.get(key);
      if (!hit) continue;
      if (hit.until <= now) {
        this.blocked.delete(key);
        continue;
      }
      return this.refused(hit.budget, hit.plan, hit.until - now);
    }
    return undefined;
  }

  private refused(budget: Budget, plan: string, waitMs: number): GraphQLError {
    const whose = budget.startsWith('tenant') ? 'The tenant' : 'This user';
    const what = budget.endsWith('cost') ? 'query cost budget' : 'request rate limit';
    return rateLimited(`${whose} has spent its ${what} (plan ${plan}); retry later.`, budget, waitMs);
  }

  /**
   * Charges one operation of static cost `cost` to the principal's tenant (sized by `plan`) and user.
   * Resolves with `RATE_LIMITED` (HTTP 429, `Retry-After`) naming the first budget that is spent, or
   * undefined when the operation may run.
   */
  async charge(principal: Principal, plan: TenantPlan, cost: number): Promise<GraphQLError | undefined> {
    const tenant = principal.tenantId;
    const user = `${principal.tenantId}:${principal.userId}`;
    const { user: u } = this.options;
    const checks: Array<[Budget, number, string, number]> = [
      ['tenant-requests', plan.requestsPerMinute, tenant, 1],
      ['user-requests', u.requestsPerMinute, user, 1],
      ['tenant-cost', plan.costPerMinute, tenant, cost],
      ['user-cost', u.costPerMinute, user, cost],
    ];
    const waits = await Promise.all(checks.map(([budget, perMinute, key, points]) => this.consume(budget, perMinute, key, points)));
    for (const [i, [budget]] of checks.entries()) {
      const waitMs = waits[i];
      if (waitMs !== undefined) {
        const key = budget.startsWith('tenant') ? `t:${tenant}` : `u:${user}`;
        if (this.blocked.size >= 100_000) this.blocked.clear(); // bounded; entries are short-lived
        this.blocked.set(key, { until: Date.now() + waitMs, budget, plan: plan.name });
        return this.refused(budget, plan.name, waitMs);
      }
    }
    return undefined;
  }
}
