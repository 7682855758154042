/**
 * Runs one subgraph: an Apollo Server over `buildSubgraphSchema` with the subgraph's SDL from
 * `schema/<name>.graphql`, on its own port at `/graphql`. Every request must carry a gateway
 * credential for this subgraph (lib/auth/internal-credential.ts); without one the context function
 * throws `UNAUTHENTICATED` (HTTP 401) before anything executes, `_service` and `_entities` included.
 * The request context binds the credential's tenant once: its database scope and the subgraph's
 * repositories on it (subgraphs/shared/context.ts).
 */
import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { bearerToken, requestIdFrom } from '../../lib/auth/http-credentials';
import { CredentialVerifier, InvalidCredentialError } from '../../lib/auth/internal-credential';
import { domainError } from '../../lib/errors';
import { OutboxRelays } from '../../lib/events/outbox-relays';
import { createGraphQLHttpHandler } from '../../lib/http/graphql-http-handler';
import { useNodeCryptoForQueryHashes } from '../../lib/runtime/apollo-query-hash';
import type { Readiness, ReadinessCheck } from '../../lib/http/readiness';
import { maskError } from '../../lib/mask-error';
import { annotateRequestContext } from '../../lib/observability/request-context';
import { operationObserverPlugin } from '../../lib/observability/operation-observer.plugin';
import { readSubgraphSdl } from '../../lib/schema/subgraphs';
import { createTenantContext, type SubgraphContext } from './context';
import { OutboxRepository } from './outbox.repository';
import { enforceRequiredScopes } from './requires-scope';
import { traceResolvers } from './resolver-tracing';
import { createSubgraphObservability, type SubgraphObservabilityOptions } from './subgraph-observability';
import type { SubgraphDeps, SubgraphFactory } from './subgraph-module';

export type { Worker } from './subgraph-module';

/** A started service (subgraph or gateway). */
export interface RunningService {
  name: string;
  port: number;
  url: string;
  /** Stops accepting requests, drains in-flight ones, stops workers and the outbox relay it started. */
  stop(): Promise<void>;
}

/** A started subgraph. */
export interface RunningSubgraph extends RunningService {
  /** Its `/readyz` checks (tests). */
  readiness: Readiness;
}

/** Options of {@link startSubgraph}. */
export interface StartSubgraphOptions {
  /** Listen port; 0 picks a free one. */
  port: number;
  host?: string;
  /** Secret shared with the gateway for credentials (at least 32 characters). */
  internalSecret: string;
  /** Metric labels, readiness timeout, drain delay. */
  observability?: SubgraphObservabilityOptions;
  /** Readiness checks of its dependencies (database, Redis), added by the composition root. */
  readinessChecks?: ReadinessCheck[];
  /**
   * The process's outbox relays, when the composition root runs several subgraphs in one process
   * (apps/local-supergraph.ts): a subgraph that writes the outbox wakes and reports these instead of
   * running relays of its own, and the caller starts and stops them. Two relays over the same
   * outbox in one process would each poll it and compete for every batch.
   */
  relay?: OutboxRelays;
}

/** Starts `factory`'s subgraph, its workers and (when it writes events) its outbox relay; resolves once it listens. */
export async function startSubgraph(
  factory: SubgraphFactory,
  deps: Omit<SubgraphDeps, 'outbox'>,
  options: StartSubgraphOptions,
): Promise<RunningSubgraph> {
  let relay: OutboxRelays | undefined;
  const outbox = new OutboxRepository(() => relay?.kick());
  const module = factory({ ...deps, outbox });
  const logger = deps.logger.child({ subgraph: module.name });
  const verifier = new CredentialVerifier(options.internalSecret, module.name);
  // One relay per database (the shared one and each dedicated one, lib/db/tenant-placement.ts).
  const ownRelay =
    module.writesOutbox && !options.relay ? new OutboxRelays(deps.database.outboxClients(), deps.eventLog.streams, logger) : undefined;
  if (module.writesOutbox) relay = options.relay ?? ownRelay;
  const observability = createSubgraphObservability(
    module,
    { database: deps.database, stats: deps.eventLog.stats, relay },
    options.observability ?? {},
    options.readinessChecks ?? [],
  );
  const httpServer: Server = createServer();
  useNodeCryptoForQueryHashes();
  const server = new ApolloServer<SubgraphContext>({
    // `@requiresScope` fields answer FORBIDDEN before their resolvers run (./requires-scope.ts).
    schema: enforceRequiredScopes(
      buildSubgraphSchema([{ typeDefs: parse(readSubgraphSdl(module.name)), resolvers: traceResolvers(module.name, module.resolvers) }]),
    ).schema,
    includeStacktraceInErrorResponses: false,
    // The process entry points handle SIGINT/SIGTERM and stop everything in order; Apollo's own
    // handlers would race them.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => maskError(formatted, error, logger),
    // Inline traces (`apollo-federation-include-trace`) are off: the gateway reports no usage to Apollo.
    // Cache control is off: the subgraph schemas declare no `@cacheControl` hints, so every answer
    // was uncacheable anyway (no `cache-control` header), while Apollo's plugin wrapped every field
    // resolver to compute that (a few percent of a subgraph's CPU in the federation-tax profile).
    plugins: [
      operationObserverPlugin<SubgraphContext>((context) => context.principal),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await server.start();
  httpServer.on(
    'request',
    createGraphQLHttpHandler({
      server,
      service: `subgraph ${module.name}`,
      ops: observability.ops,
      onOperation: (record) => observability.operations.record(record, logger),
      context: async ({ req }) => {
        const token = bearerToken(req.headers.authorization);
        if (!token) throw domainError('UNAUTHENTICATED', 'A gateway credential is required.');
        try {
          const principal = { ...(await verifier.verify(token)), requestId: requestIdFrom(req.headers['x-request-id']) };
          annotateRequestContext({ tenantId: principal.tenantId, userId: principal.userId });
          const scope = deps.database.forTenant(principal.tenantId);
          return { principal, ...createTenantContext(scope, module.repositories, outbox, logger) };
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
  ownRelay?.start();
  for (const w of module.workers ?? []) w.start();
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ port }, 'subgraph listening');
  return {
    name: module.name,
    port,
    url: `http://localhost:${port}/graphql`,
    readiness: observability.readiness,
    async stop() {
      observability.readiness.startDraining();
      if (observability.drainDelayMs > 0) await new Promise((r) => setTimeout(r, observability.drainDelayMs));
      await server.stop();
      for (const w of module.workers ?? []) await w.stop();
      await ownRelay?.stop();
    },
  };
}
