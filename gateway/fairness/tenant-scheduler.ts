/**
 * Shares a bounded number of concurrent slots (operations, subscription executions) between tenants:
 * one FIFO queue per tenant, served in turn (round robin), and at most `maxPerTenant` slots held by
 * one tenant at a time. A tenant that floods waits behind its own queue; another tenant's next
 * operation gets the next free slot whatever the length of the flooding tenant's queue (deficit-free
 * round robin, as in fair queueing of network schedulers).
 */

/** Options of {@link TenantScheduler}. */
export interface TenantSchedulerOptions {
  /** Slots in all (at least 1). */
  maxConcurrent: number;
  /** Slots one tenant may hold at once (default `maxConcurrent`: turns alone keep tenants fair). */
  maxPerTenant?: number;
  /** Waiters one tenant may queue; beyond it `acquire` throws {@link QueueFullError} (default unbounded). */
  maxQueuedPerTenant?: number;
}

/** Thrown by {@link TenantScheduler.acquire} when the tenant's queue is full. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/** Gives a slot back; idempotent. */
export type SlotRelease = () => void;

interface TenantState {
  running: number;
  queue: Array<() => void>;
}

/** See the module doc. */
export class TenantScheduler {
  private running = 0;
  private readonly states = new Map<string, TenantState>();
  /** Tenants with waiters, in serving order (Map keeps insertion order; served ones move to the end). */
  private readonly ring = new Map<string, TenantState>();
  private readonly maxConcurrent: number;
  private readonly maxPerTenant: number;
  private readonly maxQueued: number;

  constructor(options: TenantSchedulerOptions) {
    this.maxConcurrent = Math.max(1, options.maxConcurrent);
    this.maxPerTenant = Math.max(1, options.maxPerTenant ?? this.maxConcurrent);
    this.maxQueued = options.maxQueuedPerTenant ?? Number.POSITIVE_INFINITY;
  }

  /** Slots held now. */
  get active(): number {
    return this.running;
  }

  /** Waiters queued now (all tenants), or of `tenant`. */
  waiting(tenant?: string): number {
    if (tenant !== undefined) return this.states.get(tenant)?.queue.length ?? 0;
    let n = 0;
    for (const s of this.ring.values()) n += s.queue.length;
    return n;
  }

  private state(tenant: string): TenantState {
    let s = this.states.get(tenant);
    if (!s) {
      s = { running: 0, queue: [] };
      this.states.set(tenant, s);
    }
    return s;
  }

  private grant(tenant: string, s: TenantState): SlotRelease {
    this.running++;
    s.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      s.running--;
      if (s.running === 0 && s.queue.length === 0) this.states.delete(tenant);
      this.dispatch();
    };
  }

  /**
   * Waits for a slot of `tenant`; call the result when done.
   * @throws QueueFullError when `tenant` has `maxQueuedPerTenant` waiters already.
   */
  acquire(tenant: string): Promise<SlotRelease> {
    const s = this.state(tenant);
    if (this.running < this.maxConcurrent && s.running < this.maxPerTenant && s.queue.length === 0) {
      return Promise.resolve(this.grant(tenant, s));
    }
    if (s.queue.length >= this.maxQueued) return Promise.reject(new QueueFullError(`tenant ${tenant}: too many waiting operations`));
    return new Promise<SlotRelease>((resolve) => {
      s.queue.push(() => resolve(this.grant(tenant, s)));
      if (!this.ring.has(tenant)) this.ring.set(tenant, s);
    });
  }

  /** Runs `fn` in a slot of `tenant`. @throws QueueFullError as {@link acquire}; whatever `fn` throws. */
  async run<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(tenant);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Hands free slots to waiting tenants in turn. */
  private dispatch(): void {
    while (this.running < this.maxConcurrent && this.ring.size > 0) {
      let served = false;
      for (const [tenant, s] of this.ring) {
        if (s.running >= this.maxPerTenant) continue;
        const next = s.queue.shift()!;
        this.ring.delete(tenant);
        if (s.queue.length > 0) this.ring.set(tenant, s); // to the end of the ring
        next();
        served = true;
        break;
      }
      if (!served) return; // every waiting tenant is at its own cap
    }
  }
}
