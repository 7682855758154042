/**
 * Runs the executions of live subscriptions: one execution per (execution key, stream entry)
 * shared by every subscriber with that key, and at most `maxConcurrent` executions at a time in
 * this process, shared between tenants in turn (gateway/fairness/tenant-scheduler.ts: one queue per
 * tenant, round robin, at most `maxPerTenant` running for one tenant), so a tenant with thousands of
 * distinct subscriptions delays its own deliveries, not another tenant's.
 *
 * The execution key is tenant + scopes + live query + its variables (see
 * {@link executionKey}). It leaves out the user id: the live roots (`order(id:)`,
 * `notification(id:)`) resolve tenant-scoped objects whose every field (`placedBy`, `lines`, `read`,
 * ...) is the same for every user of the tenant with the same scopes, and authorization in the
 * subgraphs depends only on tenant and scopes. If a field ever depends on the viewer (a `me`-like
 * field or per-user visibility), the user id must join the key.
 */
import type { ExecutionResult } from 'graphql';
import { TenantScheduler } from '../fairness/tenant-scheduler';

/** Counters of the subscription executions of this process (tests and metrics). */
export interface ExecutionMetrics {
  /** Executions actually run through the gateway. */
  executions: number;
  /** Results reused from another subscriber's execution of the same key and entry. */
  shared: number;
  /**
   * Relay duplicates dropped (an entry whose event id was already seen): once per stream reader for
   * live entries (stream-hub.ts), per subscription for the entries of a replay.
   */
  duplicatesDropped: number;
  /** Executions waiting for a slot right now. */
  waiting: number;
  /** Executions running right now. */
  running: number;
  /** Most executions seen running at once. */
  maxRunning: number;
}

/** Process-wide counters, summed over every gateway (every {@link SharedExecutor}) in the process. */
export const subscriptionMetrics: ExecutionMetrics = {
  executions: 0,
  shared: 0,
  duplicatesDropped: 0,
  waiting: 0,
  running: 0,
  maxRunning: 0,
};

/** Serializes `value` with object keys sorted, so equal variables give equal keys. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(',')}}`;
}

/**
 * Key under which subscribers share executions: tenant, sorted scopes, the live query (printed, so
 * normalized) and its variables, sorted.
 */
export function executionKey(tenantId: string, scopes: readonly string[], query: string, variables: Record<string, unknown>): string {
  return stableStringify([tenantId, [...scopes].sort(), query, variables]);
}

/** Options of {@link SharedExecutor}. */
export interface SharedExecutorOptions {
  /** Most executions running at once (default 32). */
  maxConcurrent?: number;
  /** Most executions of one tenant running at once (default `maxConcurrent`: turns alone). */
  maxPerTenant?: number;
  /** Share one execution per key and entry (default true); false runs one per subscriber. */
  share?: boolean;
  /** How long a shared result is kept for subscribers that reach the entry later, ms (default 30,000). */
  ttlMs?: number;
  /** Most results kept (default 10,000). */
  maxEntries?: number;
}

/** The results of one stream entry, by execution key, and when the first of them started. */
interface EntryResults {
  at: number;
  byKey: Map<string, Promise<ExecutionResult | undefined>>;
}

/** See module doc. */
export class SharedExecutor {
  /**
   * Kept results by stream entry id (oldest first), then by execution key: a subscriber's lookup
   * hashes its entry id and its subscription's key string (hashed once), not a concatenation of
   * both per subscriber and event.
   */
  private readonly cache = new Map<string, EntryResults>();
  /** Results kept in {@link cache}. */
  private kept = 0;
  private readonly scheduler: TenantScheduler;
  private closed = false;
  /** Resolves (with no slot) once {@link close} was called: executions still waiting give up. */
  private readonly closing: Promise<undefined>;
  private signalClosed!: () => void;
  private readonly share: boolean;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: SharedExecutorOptions = {}) {
    this.scheduler = new TenantScheduler({ maxConcurrent: options.maxConcurrent ?? 32, maxPerTenant: options.maxPerTenant });
    this.share = options.share ?? true;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.closing = new Promise<undefined>((resolve) => (this.signalClosed = () => resolve(undefined)));
  }

  /**
   * The result of `run` for (`key`, `entryId`): started now (in `tenantId`'s turn), or the one another
   * subscriber with the same key started for that entry. `run` must not reject (it returns an error
   * result instead).
   */
  execute(
    key: string,
    entryId: string,
    run: () => Promise<ExecutionResult | undefined>,
    tenantId = '',
  ): Promise<ExecutionResult | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    if (!this.share) return this.limited(tenantId, run);
    const now = Date.now();
    this.evict(now);
    let entry = this.cache.get(entryId);
    const hit = entry?.byKey.get(key);
    if (hit) {
      subscriptionMetrics.shared++;
      return hit;
    }
    const result = this.limited(tenantId, run);
    if (!entry) {
      entry = { at: now, byKey: new Map() };
      this.cache.set(entryId, entry);
    }
    entry.byKey.set(key, result);
    this.kept++;
    return result;
  }

  /** Drops the results of the oldest entries while more than `maxEntries` are kept or they passed `ttlMs`. */
  private evict(now: number): void {
    for (const [entryId, entry] of this.cache) {
      if (this.kept <= this.maxEntries && now - entry.at < this.ttlMs) break;
      this.cache.delete(entryId);
      this.kept -= entry.byKey.size;
    }
  }

  /** Runs `run` when the scheduler gives `tenantId` a slot; undefined without running once closed. */
  private async limited(tenantId: string, run: () => Promise<ExecutionResult | undefined>): Promise<ExecutionResult | undefined> {
    subscriptionMetrics.waiting++;
    const slot = this.scheduler.acquire(tenantId);
    const release = await Promise.race([slot, this.closing]);
    subscriptionMetrics.waiting--;
    if (!release || this.closed) {
      // Closed while waiting: the slot, once granted, is handed on without running (shutdown starts no execution).
      void slot.then((r) => r());
      return undefined;
    }
    subscriptionMetrics.running++;
    subscriptionMetrics.maxRunning = Math.max(subscriptionMetrics.maxRunning, subscriptionMetrics.running);
    subscriptionMetrics.executions++;
    try {
      return await run();
    } finally {
      subscriptionMetrics.running--;
      release();
    }
  }

  /** From now on nothing runs: new and queued executions resolve `undefined` without running (shutdown). */
  close(): void {
    this.closed = true;
    this.signalClosed();
  }

  /** Drops every kept result. */
  clear(): void {
    this.cache.clear();
    this.kept = 0;
  }
}
