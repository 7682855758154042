/**
 * Outbox relay: moves committed outbox rows to the tenant's stream, in commit order, and marks them
 * published. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several relays can run at once
 * without double work. Publishing happens before the mark commits: a crash in between republishes the
 * row later (at-least-once), and consumers drop the duplicate by event id. A rolled-back write never
 * reaches the outbox, so it publishes nothing. While the event log is unreachable, rows wait.
 */
import type { PrismaClient } from '../db/prisma-client';
import type { Logger } from '../logger';
import type { DomainEvent } from './domain-event';
import type { EventLog } from './event-log';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Poll interval when idle, ms (default 250). {@link OutboxRelay.kick} wakes it sooner. */
  pollMs?: number;
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Back-off after a failure, ms (default 1000). */
  retryMs?: number;
}

interface OutboxRow {
  id: string;
  payload: DomainEvent;
}

/** See module doc. */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly retryMs: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly eventLog: EventLog,
    private readonly logger: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.batchSize = options.batchSize ?? 100;
    this.retryMs = options.retryMs ?? 1000;
  }

  /** Publishes one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT id, payload FROM outbox WHERE published_at IS NULL
          ORDER BY seq LIMIT ${this.batchSize} FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        for (const row of rows) await this.eventLog.append(row.payload);
        const ids = rows.map((r) => r.id);
        await tx.$executeRaw`UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY(${ids}::uuid[])`;
        return rows.length;
      },
      { timeout: 30_000 },
    );
  }

  /** Wakes the relay now (call after committing a write that added outbox rows). */
  kick(): void {
    this.wake?.();
  }

  /** Starts the relay loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const n = await this.publishBatch();
        if (n < this.batchSize) await this.sleep(this.pollMs);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'outbox relay: publish failed, retrying');
        await this.sleep(this.retryMs);
      }
    }
  }

  /** Stops the loop after the batch in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
