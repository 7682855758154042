/**
 * The outbox relays of one process: one {@link OutboxRelay} per database whose `outbox` table it
 * publishes (the shared database and every dedicated one, lib/db/tenant-placement.ts), driven as
 * one: started, woken and stopped together, their counters summed, healthy when all are.
 */
import type { PrismaClient } from '../db/prisma-client';
import type { Logger } from '../logger';
import type { EventStreams } from './event-log';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';

/** See module doc. */
export class OutboxRelays {
  readonly relays: OutboxRelay[];

  /** One relay per client of `clients` (at least one), all with `options`. */
  constructor(clients: readonly PrismaClient[], streams: Pick<EventStreams, 'append'>, logger: Logger, options: OutboxRelayOptions = {}) {
    this.relays = clients.map(
      (client, i) => new OutboxRelay(client, streams, i === 0 ? logger : logger.child({ outboxDatabase: i }), options),
    );
  }

  /** Rows published since start, over every database. */
  get published(): number {
    return this.relays.reduce((sum, r) => sum + r.published, 0);
  }

  /** Failed batches since start, over every database. */
  get failures(): number {
    return this.relays.reduce((sum, r) => sum + r.failures, 0);
  }

  /** The first unhealthy relay's reason (see {@link OutboxRelay.health}), or undefined when all are healthy. */
  health(stallMs?: number): string | undefined {
    for (const r of this.relays) {
      const reason = r.health(stallMs);
      if (reason) return reason;
    }
    return undefined;
  }

  /** Wakes every relay (after a commit that wrote outbox rows, in whichever database). */
  kick(): void {
    for (const r of this.relays) r.kick();
  }

  /** Starts every relay loop. */
  start(): void {
    for (const r of this.relays) r.start();
  }

  /** Stops every relay after its batch in flight. */
  async stop(): Promise<void> {
    await Promise.all(this.relays.map((r) => r.stop()));
  }
}
