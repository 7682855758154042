/**
 * What a subgraph contributes to the process that runs it, and what it gets from that process.
 * Subgraphs never import each other; the composition root (apps/) picks them from
 * subgraphs/registry.ts and starts them with subgraphs/shared/subgraph-server.ts.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { TenantDatabase } from '../../lib/db/tenant-database';
import type { Topic } from '../../lib/events/domain-event';
import type { EventLog } from '../../lib/events/event-log';
import type { Logger } from '../../lib/logger';
import type { SubgraphName } from '../../lib/schema/subgraphs';
import type { RepositoryFactory, SubgraphContext } from './context';
import type { OutboxRepository } from './outbox.repository';

/** A background worker started and stopped with its subgraph (for example an event consumer). */
export interface Worker {
  start(): void;
  /** Stops the worker; resolves once it no longer touches the database or the event log. */
  stop(): Promise<void>;
  /** Name of its readiness check (default `worker-<n>`). */
  readonly name?: string;
  /** Why the worker is not healthy (its loop stopped or stalled), or undefined when it is (readiness). */
  health?(): string | undefined;
}

/** Settings of the notifications consumer (plain values from the process configuration). */
export interface ConsumerSettings {
  /** Lifetime of a stream lease, ms. */
  leaseMs?: number;
  /** Delivery at which a failing event goes to the dead-letter stream. */
  maxDeliveries?: number;
}

/** What every subgraph module gets from the process that runs it. */
export interface SubgraphDeps {
  /** The app role's database; request contexts and workers take tenant scopes from it. */
  database: TenantDatabase;
  eventLog: EventLog;
  /** Writes domain events in units of work; wakes this process's outbox relay after each commit. */
  outbox: OutboxRepository;
  logger: Logger;
  consumer?: ConsumerSettings;
}

/** What a subgraph contributes: its resolvers, its repositories and, optionally, workers and an outbox. */
export interface SubgraphModule<R> {
  name: SubgraphName;
  resolvers: GraphQLResolverMap<SubgraphContext<R>>;
  /** Builds the subgraph's repositories on a tenant scope (once per request and per unit of work). */
  repositories: RepositoryFactory<R>;
  /** True when its services write outbox rows: an outbox relay runs with it. */
  writesOutbox?: boolean;
  workers?: Worker[];
  /** Consumer groups its workers read, by topic (their lag, pending and dead letters become metrics). */
  consumerGroups?: Array<{ topic: Topic; group: string }>;
}

/** Builds a subgraph module from its dependencies. */
export type SubgraphFactory = (deps: SubgraphDeps) => SubgraphModule<unknown>;

/**
 * Types a module for {@link SubgraphFactory}: the resolver map is checked against the subgraph's own
 * context by codegen's `Resolvers` type, and the server builds exactly that context.
 */
export function defineSubgraph<R>(module: SubgraphModule<R>): SubgraphModule<unknown> {
  return module as unknown as SubgraphModule<unknown>;
}
