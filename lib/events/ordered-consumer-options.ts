/** Options of the ordered consumer (./ordered-consumer.ts): plain values, and their defaults. */
import { hostname } from 'node:os';
import type { Logger } from '../logger';
import type { Topic } from './domain-event';
import type { ConsumerGroups, EventStreams, StreamLeases } from './event-log';

/** Default values of the {@link OrderedConsumerOptions} (ms, counts). */
export const ORDERED_CONSUMER_DEFAULTS = {
  leaseMs: 10_000,
  maxDeliveries: 5,
  handleAttempts: 3,
  retryMs: 1000,
  redeliverMs: 5000,
  refreshMs: 2000,
  blockMs: 1000,
} as const;

/** Options of the ordered consumer: plain values. */
export interface OrderedConsumerOptions {
  topic: Topic;
  /** Consumer group on every stream of the topic. */
  group: string;
  /** Consumer name within the group (default `<group>-<hostname>-<pid>`). */
  consumerName?: string;
  logger: Logger;
  /** Lifetime of a stream lease, ms: a dead consumer's streams move to another after this long (default 10,000). Renewed every third of it. */
  leaseMs?: number;
  /** Delivery at which a failing entry goes to the dead-letter stream (default 5). */
  maxDeliveries?: number;
  /** Handler calls per delivery before giving the delivery up (default 3). */
  handleAttempts?: number;
  /** Pause between handler calls and after a failed read, ms (default 1000). */
  retryMs?: number;
  /** Pause before a failed entry is delivered again, ms; its stream waits meanwhile (default 5000). */
  redeliverMs?: number;
  /** How often the stream list is refreshed and leases are balanced, ms (default 2000). */
  refreshMs?: number;
  /** Longest wait of one read for new entries, ms (default 1000); `stop()` may wait this long. */
  blockMs?: number;
}

/** The event-log slices the ordered consumer uses (an `EventLog` has them). */
export interface OrderedConsumerLog {
  streams: Pick<EventStreams, 'listStreams'>;
  groups: ConsumerGroups;
  leases: StreamLeases;
}

/** {@link OrderedConsumerOptions} with every default filled in. */
export type OrderedConsumerSettings = Required<OrderedConsumerOptions>;

/** Fills in the defaults ({@link ORDERED_CONSUMER_DEFAULTS}; consumer name `<group>-<hostname>-<pid>`). */
export function orderedConsumerSettings(options: OrderedConsumerOptions): OrderedConsumerSettings {
  const d = ORDERED_CONSUMER_DEFAULTS;
  return {
    topic: options.topic,
    group: options.group,
    consumerName: options.consumerName ?? `${options.group}-${hostname()}-${process.pid}`,
    logger: options.logger,
    leaseMs: options.leaseMs ?? d.leaseMs,
    maxDeliveries: options.maxDeliveries ?? d.maxDeliveries,
    handleAttempts: options.handleAttempts ?? d.handleAttempts,
    retryMs: options.retryMs ?? d.retryMs,
    redeliverMs: options.redeliverMs ?? d.redeliverMs,
    refreshMs: options.refreshMs ?? d.refreshMs,
    blockMs: options.blockMs ?? d.blockMs,
  };
}
