/**
 * The whole supergraph in one process: the four subgraphs and the gateway over one infrastructure
 * (apps/infrastructure.ts) and one set of outbox relays (one per database), which the subgraphs that
 * write the outbox share. `npm start` runs it on the configured ports; the tests and benchmarks
 * run it on free ports.
 */
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../lib/config';
import type { PrismaClient } from '../lib/db/prisma-client';
import type { TenantDatabase } from '../lib/db/tenant-database';
import type { EventLog } from '../lib/events/event-log';
import { OutboxRelays } from '../lib/events/outbox-relays';
import type { Logger } from '../lib/logger';
import { SUBGRAPHS, type SubgraphName } from '../lib/schema/subgraphs';
import { startGateway, type GatewayService } from '../gateway/gateway.server';
import type { GatewaySubscriptionOptions } from '../gateway/subscription-settings';
import { SUBGRAPH_FACTORIES } from '../subgraphs/registry';
import { startSubgraph, type RunningService } from '../subgraphs/shared/subgraph-server';
import { gatewayOptions } from './gateway-options';
import { createInfrastructure } from './infrastructure';
import { observabilityOptions } from './observability-options';

/** Options of {@link startLocalSupergraph}. */
export interface LocalSupergraphOptions {
  /** The configuration; `database.url` (the owner role's URL) or `database.appUrl` must be set. */
  config: AppConfig;
  logger: Logger;
  /** Use free ports instead of the configured ones (tests). */
  ephemeralPorts?: boolean;
  /** Called with every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** Subscription limits that win over the configured ones (tests). */
  subscriptions?: GatewaySubscriptionOptions;
}

/** A running local supergraph. */
export interface LocalSupergraph {
  /** The configuration it runs with (its `internalSecret` and subgraph URLs filled in). */
  config: AppConfig;
  gateway: GatewayService;
  gatewayUrl: string;
  wsUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  /** The services' shared client (app role, row-level security). */
  prisma: PrismaClient;
  /** Tenant scopes over the app role. */
  database: TenantDatabase;
  /** URL the services connect with (app role). */
  appDatabaseUrl: string;
  eventLog: EventLog;
  /** Stops the gateway, the subgraphs (and their workers), the outbox relays, then the infrastructure. */
  stop(): Promise<void>;
}

/** Starts the subgraphs first (so the gateway knows their URLs), then the gateway. */
export async function startLocalSupergraph(options: LocalSupergraphOptions): Promise<LocalSupergraph> {
  const { logger } = options;
  const config: AppConfig = { ...options.config, internalSecret: options.config.internalSecret ?? randomBytes(32).toString('hex') };
  const infra = createInfrastructure(config, logger, { onQuery: options.onQuery });
  await infra.database.ready();
  const subgraphs: RunningService[] = [];
  const subgraphUrls = { ...config.gateway.subgraphUrls };
  const consumer = { leaseMs: config.events.consumerLeaseMs, maxDeliveries: config.events.consumerMaxDeliveries };
  // One relay per database for the whole process, shared by the subgraphs that write the outbox.
  const relay = new OutboxRelays(infra.database.outboxClients(), infra.eventLog.streams, logger);
  try {
    for (const { name } of SUBGRAPHS) {
      const service = await startSubgraph(
        SUBGRAPH_FACTORIES[name],
        { database: infra.database, eventLog: infra.eventLog, logger, consumer },
        {
          port: options.ephemeralPorts ? 0 : config.subgraphPorts[name],
          internalSecret: config.internalSecret!,
          observability: observabilityOptions(config),
          readinessChecks: infra.readinessChecks,
          relay,
        },
      );
      subgraphs.push(service);
      subgraphUrls[name] = service.url;
    }
    relay.start();
    const running: AppConfig = { ...config, gateway: { ...config.gateway, subgraphUrls } };
    const configured = gatewayOptions(running);
    const gateway = await startGateway({
      ...configured,
      subscriptions: { ...configured.subscriptions, ...options.subscriptions },
      eventStreams: infra.eventLog.streams,
      logger,
      port: options.ephemeralPorts ? 0 : config.gateway.port,
      readinessChecks: infra.readinessChecks.filter((c) => c.name === 'redis'),
    });
    return {
      config: running,
      gateway,
      gatewayUrl: gateway.url,
      wsUrl: gateway.wsUrl,
      subgraphUrls,
      prisma: infra.prisma,
      database: infra.database,
      appDatabaseUrl: infra.appDatabaseUrl,
      eventLog: infra.eventLog,
      async stop() {
        await gateway.stop();
        for (const s of subgraphs.reverse()) await s.stop();
        await relay.stop();
        await infra.close();
      },
    };
  } catch (err) {
    for (const s of subgraphs.reverse()) await s.stop().catch(() => undefined);
    await relay.stop();
    await infra.close();
    throw err;
  }
}
