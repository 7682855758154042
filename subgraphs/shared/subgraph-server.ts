/**
 * Runs one subgraph: an Apollo Server over `buildSubgraphSchema` with the subgraph's SDL from
 * `schema/<name>.graphql`, on its own port at `/graphql`. Every request must carry a gateway
 * credential for this subgraph (lib/auth/internal-credential.ts); without one the context function
 * throws `UNAUTHENTICATED` (HTTP 401) before anything executes, `_service` and `_entities` included.
 */
import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { parse } from 'graphql';
import { bearerToken, requestIdFrom } from '../../lib/auth/http-credentials';
import { CredentialVerifier, InvalidCredentialError } from '../../lib/auth/internal-credential';
import type { PrismaClient } from '../../lib/db/prisma-client';
import type { TenantDb } from '../../lib/db/tenant-scope';
import { domainError } from '../../lib/errors';
import type { EventLog } from '../../lib/events/event-log';
import { OutboxRelay } from '../../lib/events/outbox-relay';
import { createGraphQLHttpHandler } from '../../lib/http/graphql-http-handler';
import type { Logger } from '../../lib/logger';
import { maskError } from '../../lib/mask-error';
import { readSubgraphSdl, type SubgraphName } from '../../lib/schema/compose';
import { LoaderRegistry, type SubgraphContext, type SubgraphEvents } from './context';
import { enforceRequiredScopes } from './requires-scope';

/** What every subgraph module gets from the process that runs it. */
export interface SubgraphDeps {
  /** Shared client of the app role (row-level security); workers and the outbox relay use it. */
  prisma: PrismaClient;
  /** What request contexts use: per-tenant pools or, by default, `prisma` scoped per transaction. */
  db?: TenantDb;
  eventLog: EventLog;
  logger: Logger;
  /** Hooks for work outside a request (workers); filled in by {@link startSubgraph}. */
  events?: SubgraphEvents;
}

/** A background worker started and stopped with the subgraph (for example an event consumer). */
export interface Worker {
  start(): void;
  stop(): Promise<void>;
}

/** What a subgraph contributes: its resolvers and, optionally, workers and an outbox. */
export interface SubgraphModule {
  name: SubgraphName;
  resolvers: GraphQLResolverMap<SubgraphContext>;
  /** True when its services write outbox rows: an {@link OutboxRelay} runs with it. */
  writesOutbox?: boolean;
  workers?: Worker[];
}

/** Builds a subgraph module from its dependencies. */
export type SubgraphFactory = (deps: SubgraphDeps) => SubgraphModule;

/** A started service (subgraph or gateway). */
export interface RunningService {
  name: string;
  port: number;
  url: string;
  /** Stops accepting requests, drains in-flight ones, stops workers. */
  stop(): Promise<void>;
}

/** Options of {@link startSubgraph}. */
export interface StartSubgraphOptions {
  /** Listen port; 0 picks a free one. */
  port: number;
  host?: string;
  /** Secret shared with the gateway for credentials (at least 32 characters). */
  internalSecret: string;
}

/** Starts `factory`'s subgraph and its workers; resolves once it listens. */
export async function startSubgraph(factory: SubgraphFactory, deps: SubgraphDeps, options: StartSubgraphOptions): Promise<RunningService> {
  let relay: OutboxRelay | undefined;
  const events: SubgraphEvents = { outboxWritten: () => relay?.kick() };
  const module = factory({ ...deps, events });
  const logger = deps.logger.child({ subgraph: module.name });
  const verifier = new CredentialVerifier(options.internalSecret, module.name);
  if (module.writesOutbox) relay = new OutboxRelay(deps.prisma, deps.eventLog.streams, logger);
  const httpServer: Server = createServer();
  const server = new ApolloServer<SubgraphContext>({
    // `@requiresScope` fields answer FORBIDDEN before their resolvers run (./requires-scope.ts).
    schema: enforceRequiredScopes(buildSubgraphSchema([{ typeDefs: parse(readSubgraphSdl(module.name)), resolvers: module.resolvers }]))
      .schema,
    includeStacktraceInErrorResponses: false,
    // The process entry points handle SIGINT/SIGTERM and stop everything in order; Apollo's own
    // handlers would race them.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => maskError(formatted, error, logger),
    // Inline traces (`apollo-federation-include-trace`) are off: the gateway reports no usage to Apollo.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await server.start();
  httpServer.on(
    'request',
    createGraphQLHttpHandler({
      server,
      context: async ({ req }) => {
        const token = bearerToken(req.headers.authorization);
        if (!token) throw domainError('UNAUTHENTICATED', 'A gateway credential is required.');
        try {
          const principal = await verifier.verify(token);
          const requestId = requestIdFrom(req.headers['x-request-id']);
          return {
            principal: { ...principal, requestId },
            db: deps.db ?? deps.prisma,
            loaders: new LoaderRegistry(),
            events,
            logger: logger.child({ requestId, tenantId: principal.tenantId }),
          };
        } catch (err) {
          if (err instanceof InvalidCredentialError) {
            logger.warn({ reason: err.message }, 'refused a request without a valid gateway credential');
            throw domainError('UNAUTHENTICATED', 'A valid gateway credential is required.');
          }
          throw err;
        }
      },
    }),
  );
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  relay?.start();
  for (const w of module.workers ?? []) w.start();
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ port }, 'subgraph listening');
  return {
    name: module.name,
    port,
    url: `http://localhost:${port}/graphql`,
    async stop() {
      await server.stop();
      for (const w of module.workers ?? []) await w.stop();
      await relay?.stop();
    },
  };
}
