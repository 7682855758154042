/**
 * Starts the whole supergraph in one process: four subgraphs and the gateway over one database and
 * one event log. Used by `npm start` (default ports) and by the tests (free ports).
 */
import { randomBytes } from 'node:crypto';
import { appDatabaseUrl, loadConfig, type AppConfig } from '../lib/config';
import { createPrismaClient, type PrismaClient } from '../lib/db/prisma-client';
import { TenantClients, type TenantDb } from '../lib/db/tenant-scope';
import { createEventLog } from '../lib/events/create-event-log';
import type { EventLog, EventStreams } from '../lib/events/event-log';
import { legacyEventStreams } from '../lib/events/legacy-event-streams';
import type { Logger } from '../lib/logger';
import { SUBGRAPHS, type SubgraphName } from '../lib/schema/compose';
import { startGateway, type GatewayService, type GatewaySubscriptionOptions } from '../gateway/gateway.server';
import { SUBGRAPH_FACTORIES } from '../subgraphs/registry';
import { startSubgraph, type RunningService } from '../subgraphs/shared/subgraph-server';

/** Options of {@link startLocalSupergraph}. */
export interface LocalSupergraphOptions {
  /** Owner URL (migrations, seed); the services connect with the app role's URL derived from it. */
  databaseUrl: string;
  /** The services' URL (app role); default `config.appDatabaseUrl`, else {@link appDatabaseUrl} of `databaseUrl`. */
  appDatabaseUrl?: string;
  /** Redis URL; unset = in-process event log. */
  redisUrl?: string;
  logger: Logger;
  /** Use free ports instead of the configured ones (tests). */
  ephemeralPorts?: boolean;
  /** Overrides of the loaded configuration. */
  config?: Partial<AppConfig>;
  /** Called with every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** The gateway's subscription limits (default: the gateway's defaults). */
  subscriptions?: GatewaySubscriptionOptions;
}

/** A running local supergraph. */
export interface LocalSupergraph {
  config: AppConfig;
  /** The running gateway (tests read its live subscription count). */
  gateway: GatewayService;
  gatewayUrl: string;
  wsUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  /** The services' shared client (app role, row-level security). */
  prisma: PrismaClient;
  /** URL the services connect with (app role). */
  appDatabaseUrl: string;
  eventLog: EventLog;
  /** The event log's streams, as the gateway reads them. */
  eventStreams: EventStreams;
  /** Stops gateway, subgraphs, event log and database client, in that order. */
  stop(): Promise<void>;
}

/** Starts subgraphs first (so the gateway knows their URLs), then the gateway. */
export async function startLocalSupergraph(options: LocalSupergraphOptions): Promise<LocalSupergraph> {
  const base = loadConfig();
  const config: AppConfig = {
    ...base,
    ...options.config,
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    internalSecret: options.config?.internalSecret ?? base.internalSecret ?? randomBytes(32).toString('hex'),
  };
  const appUrl = options.appDatabaseUrl ?? options.config?.appDatabaseUrl ?? base.appDatabaseUrl ?? appDatabaseUrl(options.databaseUrl);
  config.appDatabaseUrl = appUrl;
  const prisma = createPrismaClient({ url: appUrl, onQuery: options.onQuery });
  const tenantClients = config.tenantPools ? new TenantClients(prisma, { url: appUrl, onQuery: options.onQuery }) : undefined;
  const db: TenantDb = tenantClients ?? prisma;
  const eventLog = createEventLog(options.redisUrl, config.streamRetention);
  const eventStreams = legacyEventStreams(eventLog);
  const subgraphs: RunningService[] = [];
  const subgraphUrls = { ...config.subgraphUrls };
  try {
    for (const { name } of SUBGRAPHS) {
      const service = await startSubgraph(
        SUBGRAPH_FACTORIES[name],
        { prisma, db, eventLog, logger: options.logger },
        {
          port: options.ephemeralPorts ? 0 : config.subgraphPorts[name],
          internalSecret: config.internalSecret!,
        },
      );
      subgraphs.push(service);
      subgraphUrls[name] = service.url;
    }
    const gateway = await startGateway({
      config: { ...config, subgraphUrls },
      eventStreams,
      logger: options.logger,
      port: options.ephemeralPorts ? 0 : config.gatewayPort,
      subscriptions: options.subscriptions,
    });
    return {
      config: { ...config, subgraphUrls },
      gateway,
      gatewayUrl: gateway.url,
      wsUrl: gateway.wsUrl,
      subgraphUrls,
      prisma,
      appDatabaseUrl: appUrl,
      eventLog,
      eventStreams,
      async stop() {
        await gateway.stop();
        for (const s of subgraphs.reverse()) await s.stop();
        await eventLog.close();
        await tenantClients?.disconnect();
        await prisma.$disconnect();
      },
    };
  } catch (err) {
    for (const s of subgraphs.reverse()) await s.stop().catch(() => undefined);
    await eventLog.close();
    await tenantClients?.disconnect();
    await prisma.$disconnect();
    throw err;
  }
}
