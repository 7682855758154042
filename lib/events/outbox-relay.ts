/**
 * Outbox relay: moves committed outbox rows to the tenant's stream, in commit order, and marks them
 * published.
 *
 * - **Several relays at once.** A relay's transaction first takes a transaction-scoped advisory lock
 *   per tenant it will publish (`pg_try_advisory_xact_lock`, tenants it cannot lock are skipped), then
 *   claims that tenant's unpublished rows with `FOR UPDATE SKIP LOCKED`, in `seq` order. So two
 *   relays never publish the same row, and never publish rows of one tenant concurrently: a
 *   tenant's stream receives its rows in `seq` order. Events of one order are written by
 *   transactions that update the same order row, so they commit, and get their `seq`, in order.
 * - **Crash between publish and mark.** Publishing (XADD) happens before the `UPDATE ... published_at`
 *   commits. A crash in between rolls the transaction back and releases the locks; the next relay
 *   publishes the same rows again. The result is at most a duplicate entry (same event id, new entry
 *   id) that consumers drop by event id: the notifications consumer by its unique
 *   `(tenant_id, source_event_id)`, the gateway's live subscriptions by a recent-id set per subscription.
 * - A rolled-back write never reaches the outbox, so it publishes nothing. While the event log is
 *   unreachable, rows wait (the API keeps committing) and the relay retries every `retryMs`.
 * - Row-level security: the transaction starts with `set_config('app.outbox_relay', 'on', true)`,
 *   which the outbox's policies require to see and mark every tenant's rows.
 * - Cost: a batch is fixed SQL sent on the Prisma client's own `pg` pool in two round trips (claim;
 *   mark and commit), idle polls and kicked batches that find nothing included, instead of Prisma's
 *   five-call interactive transaction. A transaction left idle longer than
 *   {@link RELAY_IDLE_IN_TRANSACTION_MS} (an event log that hangs) is ended by PostgreSQL.
 * - Tracing: each event is published in a producer span whose parent is the `traceparent` the
 *   event was written with, and goes onto the stream with the publish span's own `traceparent`, so
 *   consumers continue the trace of the write.
 */
import type pg from 'pg';
import { driverOf, type PrismaClient, type PrismaDriver } from '../db/prisma-client';
import type { Logger } from '../logger';
import { activeTraceparent, contextFromTraceparent, SpanKind, withSpan } from '../observability/tracing';
import { noteWork } from '../runtime/work-signal';
import { isUuid } from '../uuid';
import type { DomainEvent } from './domain-event';
import type { EventStreams } from './event-log';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Poll interval when idle, ms (default 250). {@link OutboxRelay.kick} wakes it sooner. */
  pollMs?: number;
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Back-off after a failure, ms (default 1000). */
  retryMs?: number;
  /**
   * Test hook: called after a batch was appended to the event log and before the transaction that
   * marks it published commits. `apps/relay.main.ts` uses it to `SIGKILL` itself when
   * `RELAY_CRASH_AFTER_PUBLISH=1`, so a test can crash a relay between publish and mark.
   */
  afterPublish?: (published: number) => void | Promise<void>;
  /** Most tenants one transaction publishes (default 20). */
  tenantsPerBatch?: number;
}

/** First key of the relay's per-tenant advisory locks (`pg_try_advisory_xact_lock(key1, hashtext(tenant))`). */
export const RELAY_LOCK_NAMESPACE = 0x6f7574; // 'out'

/** Most milliseconds a relay transaction may sit idle (while it appends to the event log) before PostgreSQL ends it. */
export const RELAY_IDLE_IN_TRANSACTION_MS = 30_000;

interface OutboxRow {
  id: string;
  payload: DomainEvent;
}

/**
 * The first round trip of a batch, one simple query: opens the transaction, bounds it, takes the
 * relay's row-level-security setting (the outbox's relay policies require it, transaction-local),
 * locks up to `tenants` tenants and claims up to `rows` of their unpublished rows in `seq` order
 * (see module doc). Only integers are written into it.
 */
function claimSql(tenants: number, rows: number): string {
  if (!Number.isSafeInteger(tenants) || !Number.isSafeInteger(rows) || tenants < 1 || rows < 1) {
    throw new RangeError('The relay batch and tenant limits must be positive integers.');
  }
  return `BEGIN;
SET LOCAL idle_in_transaction_session_timeout = ${RELAY_IDLE_IN_TRANSACTION_MS};
SELECT set_config('app.outbox_relay', 'on', true);
WITH candidates AS MATERIALIZED (
  SELECT tenant_id, min(seq) AS first_seq FROM outbox WHERE published_at IS NULL
  GROUP BY tenant_id ORDER BY first_seq LIMIT ${tenants}
), mine AS MATERIALIZED (
  SELECT tenant_id FROM candidates
  WHERE pg_try_advisory_xact_lock(${RELAY_LOCK_NAMESPACE}, hashtext(tenant_id::text))
)
SELECT o.id, o.payload FROM outbox o JOIN mine m ON m.tenant_id = o.tenant_id
WHERE o.published_at IS NULL
ORDER BY o.seq LIMIT ${rows} FOR UPDATE OF o SKIP LOCKED`;
}

/**
 * The second round trip: marks the claimed rows published and commits. The ids come from the
 * outbox's uuid column; each is checked to be a UUID before it is written into the statement.
 */
function markPublishedSql(ids: readonly string[]): string {
  for (const id of ids) if (!isUuid(id)) throw new TypeError('An outbox row id is not a UUID.');
  return `UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY('{${ids.join(',')}}'::uuid[]);
COMMIT`;
}

/** See module doc. */
export class OutboxRelay {
  /** Rows published since start (metrics). */
  published = 0;
  /** Failed batches since start (metrics). */
  failures = 0;
  /** Date.now() of the loop's last completed iteration (liveness). */
  lastLoopAt = 0;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Set by {@link kick}, cleared when a batch starts: a kick while a batch runs is not lost. */
  private kicked = false;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly retryMs: number;
  private readonly tenantsPerBatch: number;
  private readonly afterPublish?: (published: number) => void | Promise<void>;

  private readonly driver: PrismaDriver;
  /** The batch's first round trip ({@link claimSql}), built once. */
  private readonly claimStatement: string;

  /** @throws TypeError when `prisma` was not made by `createPrismaClient` (lib/db/prisma-client.ts): the relay needs its pool. */
  constructor(
    prisma: PrismaClient,
    private readonly streams: Pick<EventStreams, 'append'>,
    private readonly logger: Logger,
    options: OutboxRelayOptions = {},
  ) {
    const driver = driverOf(prisma);
    if (!driver) throw new TypeError('The outbox relay needs a client made by createPrismaClient.');
    this.driver = driver;
    this.pollMs = options.pollMs ?? 250;
    this.batchSize = options.batchSize ?? 100;
    this.retryMs = options.retryMs ?? 1000;
    this.tenantsPerBatch = options.tenantsPerBatch ?? 20;
    this.afterPublish = options.afterPublish;
    this.claimStatement = claimSql(this.tenantsPerBatch, this.batchSize);
  }

  /**
   * Publishes one batch (at most `batchSize` rows of the tenants this relay could lock) in one
   * transaction; returns how many rows it published. Fixed SQL straight on the client's `pg` pool,
   * in two round trips (claim, then mark and commit, or only COMMIT when nothing was claimed) where
   * Prisma's interactive transaction took five.
   * @throws the event log's or the database's error; the connection is then closed, so the
   *   transaction rolls back and the rows stay unpublished (rows already appended are published
   *   again later: duplicates, see module doc).
   */
  async publishBatch(): Promise<number> {
    const client = await this.driver.pool.connect();
    // A connection that fails while checked out emits `error` (pg's Client); without a listener that
    // would crash the process. The failed statement rejects as well, which is what is handled.
    const ignore = () => undefined;
    client.on('error', ignore);
    const query = (sql: string) => {
      this.driver.onQuery?.(sql);
      return client.query(sql);
    };
    let failure: Error | undefined;
    try {
      // A simple query of several statements answers one result per statement (pg's doc, "Multiple statements").
      const results = (await query(this.claimStatement)) as unknown as pg.QueryResult[];
      const rows = results[results.length - 1]!.rows as OutboxRow[];
      if (rows.length === 0) {
        await query('COMMIT');
        return 0;
      }
      for (const row of rows) await this.publishOne(row.payload);
      await this.afterPublish?.(rows.length);
      await query(markPublishedSql(rows.map((r) => r.id)));
      return rows.length;
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.removeListener('error', ignore);
      // Released with an error, the connection is closed: that rolls the transaction back, whatever state it was left in.
      client.release(failure);
    }
  }

  /** Appends one event to its stream inside a producer span of the write's trace. */
  private publishOne(event: DomainEvent): Promise<string> {
    return withSpan(
      `outbox publish ${event.topic}`,
      {
        kind: SpanKind.PRODUCER,
        parent: contextFromTraceparent(event.traceparent),
        attributes: { 'messaging.message.id': event.id, 'event.type': event.type, 'tenant.id': event.tenantId },
      },
      async () => {
        const traceparent = activeTraceparent();
        return this.streams.append(traceparent ? { ...event, traceparent } : event);
      },
    );
  }

  /**
   * Why the relay is not healthy, or undefined when it is: it must be running and have completed a
   * loop iteration within `stallMs` (default 60,000; an iteration is one batch or one idle poll).
   */
  health(stallMs = 60_000): string | undefined {
    if (!this.running) return 'relay stopped';
    if (Date.now() - this.lastLoopAt > stallMs) return `relay loop stalled for ${Date.now() - this.lastLoopAt} ms`;
    return undefined;
  }

  /**
   * Wakes the relay now (call after committing a write that added outbox rows). A kick that arrives
   * while a batch runs (whose query may have missed the new rows) makes the loop run another batch
   * at once instead of waiting for the next poll.
   */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Starts the relay loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastLoopAt = Date.now();
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
        this.kicked = false;
        const n = await this.publishBatch();
        this.published += n;
        if (n > 0) noteWork();
        this.lastLoopAt = Date.now();
        if (n < this.batchSize && !this.kicked) await this.sleep(this.pollMs);
      } catch (err) {
        this.failures++;
        this.lastLoopAt = Date.now();
        if (!this.running) break;
        this.logger.warn({ err: (err as Error).message }, 'outbox relay: publish failed, retrying');
        await this.sleep(this.retryMs);
      }
      this.lastLoopAt = Date.now();
    }
  }

  /** Stops the loop after the batch in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
