/**
 * Bounded query planning: a new document is planned in a worker thread (query-plan.worker.cjs,
 * `@apollo/query-planner` on the same supergraph) with a deadline, never on the gateway's event
 * loop, as the Rust-planner gateways do. The plan goes into the query plan cache that
 * `@apollo/gateway` reads before planning (`queryPlannerConfig.cache`), under the key the gateway
 * computes (SHA-256 of the document text, then with the operation name), so the gateway finds it and
 * does not plan again. Within the document limits a plan takes up to about a second here
 * (README, "Benchmarks"): that second is spent off the loop.
 *
 * One worker plans one document at a time; requests of several tenants wait in per-tenant queues
 * served in turn (gateway/fairness/tenant-scheduler.ts). A document whose planning passes
 * `timeoutMs` is refused with `QUERY_PLANNING_TIMEOUT` (HTTP 400) and the worker is replaced; a
 * tenant with too many documents waiting is `RATE_LIMITED`.
 *
 * The worker starts with the first new document and ends once no document has waited for `idleMs`:
 * its own V8 heap, the supergraph and the planner (about 40 MiB resident) are not kept while every
 * document the clients send is already planned. Starting it again takes about half a second (before
 * the deadline starts), paid by the next new document only.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import type { GraphQLError } from 'graphql';
import type { Logger } from '../../lib/logger';
import { admissionError, rateLimited } from '../admission/admission-error';
import { QueueFullError, TenantScheduler } from '../fairness/tenant-scheduler';

/** The `KeyValueCache` `@apollo/gateway` keeps query plans in (`queryPlannerConfig.cache`). */
export interface QueryPlanCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
  /** Drops every plan (the gateway calls it when the supergraph changes). */
  clear(): void;
}

/** Options of {@link QueryPlanning}. */
export interface QueryPlanningOptions {
  supergraphSdl: string;
  logger: Logger;
  /** Longest planning of one document, ms (default 2,000). */
  timeoutMs?: number;
  /** Documents of one tenant waiting to be planned (default 100). */
  maxQueuedPerTenant?: number;
  /** Query plans kept (default 1,000). */
  cachedPlans?: number;
  /** How long the worker stays without a document to plan before it ends, ms (default 10,000; 0: never ends). */
  idleMs?: number;
}

/** `@apollo/gateway`'s query plan cache key: SHA-256 of the document, then with the operation name. */
export function queryPlanKey(query: string, operationName?: string | null): string {
  const queryHash = createHash('sha256').update(query).digest('hex');
  return operationName ? createHash('sha256').update(queryHash).update(operationName).digest('hex') : queryHash;
}

interface Pending {
  resolve: (outcome: { plan?: unknown; error?: string }) => void;
}

/** See the module doc. */
export class QueryPlanning {
  /** The gateway's query plan cache (pass it as `queryPlannerConfig.cache`). */
  readonly cache: QueryPlanCache;
  private readonly plans: LRUCache<string, object>;
  private readonly scheduler: TenantScheduler;
  private worker?: Worker;
  private ready?: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** planAhead calls between their first cache miss and their end (waiting or planning). */
  private active = 0;
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly options: QueryPlanningOptions) {
    this.plans = new LRUCache<string, object>({ max: options.cachedPlans ?? 1_000 });
    const plans = this.plans;
    this.cache = {
      get: async (key) => plans.get(key),
      set: async (key, value) => void plans.set(key, value as object),
      delete: async (key) => plans.delete(key),
      clear: () => plans.clear(),
    };
    this.scheduler = new TenantScheduler({ maxConcurrent: 1, maxQueuedPerTenant: options.maxQueuedPerTenant ?? 100 });
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const worker = new Worker(join(__dirname, 'query-plan.worker.cjs'), { workerData: { supergraphSdl: this.options.supergraphSdl } });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: { ready?: boolean; id?: number; plan?: unknown; error?: string }) => {
        if (message.ready) return resolve();
        const pending = this.pending.get(message.id!);
        this.pending.delete(message.id!);
        pending?.resolve(message);
      });
    });
    worker.on('error', (err) => this.options.logger.error({ err: err.message }, 'query planning worker failed'));
    worker.unref();
    return this.ready;
  }

  /** Ends the worker (a plan past its deadline, or shutdown); the next plan starts a new one. */
  private stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    for (const p of this.pending.values()) p.resolve({ error: 'planning stopped' });
    this.pending.clear();
    void worker?.terminate();
  }

  /** Plans `query` in the worker within the deadline; the plan, or why not. */
  private async plan(
    query: string,
    operationName: string | null | undefined,
  ): Promise<{ plan?: unknown; error?: string; timedOut?: boolean }> {
    await this.start();
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutMs ?? 2_000;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.stop();
        resolve({ timedOut: true });
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      });
      this.worker!.postMessage({ id, query, operationName: operationName ?? null });
    });
  }

  /**
   * Makes sure the gateway finds a plan for `query`/`operationName` in its cache: planned now in the
   * worker (in `tenantId`'s turn) unless cached. Resolves with the refusal, or undefined: a document
   * the planner rejects is left to the gateway, which answers its own error.
   */
  async planAhead(tenantId: string, query: string, operationName?: string | null): Promise<GraphQLError | undefined> {
    if (this.closed) return undefined;
    const key = queryPlanKey(query, operationName);
    if (this.plans.has(key)) return undefined;
    this.active++;
    clearTimeout(this.idleTimer);
    let release;
    try {
      release = await this.scheduler.acquire(tenantId);
    } catch (err) {
      this.settled();
      if (err instanceof QueueFullError)
        return rateLimited('The tenant has too many new documents waiting to be planned; retry later.', 'tenant-planning', 1000);
      throw err;
    }
    try {
      if (this.plans.has(key)) return undefined;
      const started = Date.now();
      const outcome = await this.plan(query, operationName);
      if (outcome.timedOut) {
        this.options.logger.warn({ tenantId, timeoutMs: this.options.timeoutMs ?? 2_000 }, 'query planning passed its deadline; refused');
        return admissionError(
          'QUERY_PLANNING_TIMEOUT',
          'The operation takes too long to plan; simplify it (fewer fields, fragments or aliases).',
        );
      }
      if (outcome.plan) this.plans.set(key, outcome.plan as object);
      this.options.logger.debug({ tenantId, ms: Date.now() - started }, 'query planned in the worker');
      return undefined;
    } finally {
      release();
      this.settled();
    }
  }

  /** Whether the worker is running now (read by the tests). */
  get workerRunning(): boolean {
    return this.worker !== undefined;
  }

  /** One planAhead call ended: with none left, the worker ends after `idleMs`. */
  private settled(): void {
    this.active--;
    const idleMs = this.options.idleMs ?? 10_000;
    if (this.active > 0 || idleMs === 0 || this.closed) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.active === 0) this.stop();
    }, idleMs);
    this.idleTimer.unref();
  }

  /** Stops the worker. */
  close(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.stop();
  }
}
