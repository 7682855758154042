/**
 * The gateway: Apollo Server over `@apollo/gateway` with the committed supergraph, on one port for
 * HTTP (`/graphql`, `/healthz`, `/readyz`) and graphql-ws (`/graphql`). Clients authenticate with a
 * bearer JWT; the gateway calls subgraphs with its own short-lived credential for the principal and
 * forwards no client header. Subscriptions are served by the gateway itself from the tenant's event
 * streams over graphql-ws (gateway/subscriptions/graphql-ws.adapter.ts). Every operation, on every
 * transport, passes the admission pipeline (gateway/admission/) before `@apollo/gateway` plans it;
 * the plan runs on the gateway's own executor (gateway/execution/).
 */
import { createServer, type Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { CredentialSigner } from '../lib/auth/internal-credential';
import type { JwtConfig } from '../lib/config';
import type { EventStreams } from '../lib/events/event-log';
import type { RedisTarget } from '../lib/events/redis/redis-connection';
import { createGraphQLHttpHandler } from '../lib/http/graphql-http-handler';
import type { ReadinessCheck } from '../lib/http/readiness';
import type { Logger } from '../lib/logger';
import { maskError } from '../lib/mask-error';
import { operationObserverPlugin } from '../lib/observability/operation-observer.plugin';
import { readCommittedSupergraph } from '../lib/schema/subgraphs';
import { connectAdmissionRedis } from './admission/admission-redis';
import { createAdmission, type AdmissionSettings } from './admission/create-admission';
import { httpAdmissionContext, releaseSlotPlugin } from './admission/http-admission';
import { JwtVerifier } from './auth/jwt-verifier';
import type { GatewayContext } from './gateway-context';
import { executeOperation } from './execute-operation';
import { EXECUTION_GATEWAY_VERSION, installGatewayExecution } from './execution/install-execution';
import { GatewayObservability, type GatewayObservabilityOptions } from './gateway-observability';
import { disposeOnDrain, subscriptionsOverWebSocket } from './gateway-plugins';
import { subscriptionSettings, type GatewaySubscriptionOptions } from './subscription-settings';
import { closeWebSockets, CLOSE_SERVICE_RESTART } from './subscriptions/websocket-drain';
import { SubgraphDataSource } from './subgraph-data-source';
import { browserRoutes } from './http/browser-routes';
import { createCorsPolicy } from './http/cors-policy';
import { createGraphQLIde, type GraphQLIdeOptions } from './http/graphql-ide.page';
import { introspectionPlugin } from './introspection.plugin';
import { verifyWebSocketOrigin } from './http/websocket-origin';
import { createGraphQLSseHandler } from './subscriptions/graphql-sse.adapter';
import type { SubgraphResilienceOptions } from './subgraph-resilience';
import { serveGraphQLWs } from './subscriptions/graphql-ws.adapter';
import { LiveSubscriptions } from './subscriptions/live-subscriptions';
import { useNodeCryptoForQueryHashes } from '../lib/runtime/apollo-query-hash';

/** A started gateway. */
export interface GatewayService {
  name: 'gateway';
  port: number;
  /** HTTP endpoint, `http://localhost:<port>/graphql`. */
  url: string;
  /** graphql-ws endpoint, `ws://localhost:<port>/graphql`. */
  wsUrl: string;
  apollo: ApolloServer<GatewayContext>;
  /** Metrics, readiness and the operational endpoints of this gateway. */
  observability: GatewayObservability;
  /**
   * Live subscriptions of this gateway attached to their stream (replaying or live): every event
   * appended from now on reaches them (tests wait for it; metrics).
   */
  readonly liveSubscriptions: number;
  /** Closes WebSockets, drains HTTP requests, stops the stream readers. */
  stop(): Promise<void>;
}

/** Options of {@link startGateway}. */
export interface StartGatewayOptions {
  /** How client JWTs are verified (gateway/auth/jwt-verifier.ts). */
  jwt: JwtConfig;
  /** Secret (32+ characters) the gateway signs subgraph credentials with; the subgraphs share it. */
  internalSecret: string;
  /** No "Did you mean" suggestions in client errors (production). */
  hideSchemaDetails?: boolean;
  /** The tenants' event streams: subscriptions read them and check resume cursors against them. */
  eventStreams: EventStreams;
  logger: Logger;
  /** Listen port; 0 picks a free one. */
  port: number;
  host?: string;
  /** Supergraph SDL to serve instead of the committed `schema/supergraph.graphql` (benchmarks). */
  supergraphSdl?: string;
  /** Subgraph URLs by subgraph name; they win over the supergraph's routing URLs. */
  subgraphUrls?: Readonly<Record<string, string>>;
  /** Subscription limits; each unset one takes its {@link SUBSCRIPTION_DEFAULTS} value. */
  subscriptions?: GatewaySubscriptionOptions;
  /** Browser origins allowed over HTTP (CORS) and WebSocket (lib/http/origin-pattern.ts); default none. */
  corsOrigins?: readonly string[];
  /** The GraphQL IDE page (gateway/http/graphql-ide.page.ts): on unless `enabled` is false. */
  ide?: GraphQLIdeOptions & { enabled?: boolean };
  /** Metric labels, readiness timeout and drain delay (gateway/gateway-observability.ts). */
  observability?: GatewayObservabilityOptions;
  /** Readiness checks of the gateway's dependencies (Redis), added by its composition root. */
  readinessChecks?: ReadinessCheck[];
  /** Deadline, retries and circuit breaker of subgraph fetches: `default` for all, `subgraphs` per subgraph name. */
  resilience?: { default?: Partial<SubgraphResilienceOptions>; subgraphs?: Readonly<Record<string, Partial<SubgraphResilienceOptions>>> };
  /** Document limits, cost, budgets, caps, introspection and trusted documents (each has a default). */
  admission?: AdmissionSettings;
  /** Redis shared by the replicas for budgets and persisted queries (`REDIS_URL` or `REDIS_CLUSTER_NODES`); absent = in process. */
  redis?: RedisTarget;
}

/** Largest WebSocket message accepted, bytes. */
export const MAX_WS_PAYLOAD_BYTES = 1024 * 1024;

/**
 * Starts the gateway; resolves once it listens.
 * @throws Error when `internalSecret` is shorter than 32 characters or the supergraph does not load.
 */
export async function startGateway(options: StartGatewayOptions): Promise<GatewayService> {
  const { eventStreams } = options;
  const hideSchemaDetails = options.hideSchemaDetails ?? false;
  const subscriptions = subscriptionSettings(options.subscriptions);
  const logger = options.logger.child({ service: 'gateway' });
  const signer = new CredentialSigner(options.internalSecret);
  const verifier = new JwtVerifier(options.jwt);
  const live: { sockets: () => number; subscriptions: () => number } = { sockets: () => 0, subscriptions: () => 0 };
  const observability = new GatewayObservability(options.observability ?? {}, {
    sockets: () => live.sockets(),
    subscriptions: () => live.subscriptions(),
  });

  const supergraphSdl = options.supergraphSdl ?? readCommittedSupergraph();
  // Budgets and persisted queries: fail fast while Redis is down (the budgets then count in process).
  const redis = options.redis ? connectAdmissionRedis(options.redis) : undefined;
  const admissionParts = createAdmission(options.admission ?? {}, {
    supergraphSdl,
    hideSchemaDetails,
    redis,
    execute: (principal, query) => executeOperation(apollo, principal, { query }, logger),
    logger,
  });

  useNodeCryptoForQueryHashes();
  if (installGatewayExecution() === 'apollo') {
    logger.warn(
      { expected: EXECUTION_GATEWAY_VERSION },
      "@apollo/gateway is not the version the gateway's query plan execution was written for: @apollo/gateway's own runs",
    );
  }
  const gateway = new ApolloGateway({
    supergraphSdl,
    // New documents are planned by the admission pipeline's worker, which fills this cache.
    ...(admissionParts.planning ? { queryPlannerConfig: { cache: admissionParts.planning.cache as never } } : {}),
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: options.subgraphUrls?.[name] ?? url ?? '',
        signer,
        logger,
        resilience: { ...options.resilience?.default, ...options.resilience?.subgraphs?.[name] },
        metrics: observability.fetches,
      }),
    logger,
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const httpServer: Server = createServer();
  const cors = createCorsPolicy(options.corsOrigins ?? []);
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: MAX_WS_PAYLOAD_BYTES,
    verifyClient: verifyWebSocketOrigin(cors.allowsOrigin),
  });
  const webSockets: { server?: { dispose(): unknown } } = {};

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    // The process entry points handle SIGINT/SIGTERM and stop everything in order; Apollo's own
    // handlers would race them.
    stopOnTerminationSignals: false,
    // Compact JSON: Apollo's default pretty-prints (indent 2), which showed in the gateway's CPU profile.
    stringifyResult: (value) => JSON.stringify(value),
    // No "Did you mean" field suggestions in production (HIDE_SCHEMA_DETAILS).
    hideSchemaDetailsFromClientErrors: hideSchemaDetails,
    // Introspection is decided per principal by the admission pipeline (`schema:read`).
    introspection: true,
    // Persisted queries are resolved by the admission pipeline (trusted documents, APQ shared through Redis).
    persistedQueries: false,
    formatError: (formatted, error) => maskError(formatted, error, logger),
    plugins: [
      introspectionPlugin(() => apiSchema),
      operationObserverPlugin<GatewayContext>((context) => context.principal),
      subscriptionsOverWebSocket,
      releaseSlotPlugin,
      disposeOnDrain(() => webSockets.server?.dispose()),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const liveSubscriptions = new LiveSubscriptions({
    apollo,
    eventStreams,
    logger,
    maxQueue: subscriptions.maxQueue,
    maxConcurrentExecutions: subscriptions.maxConcurrentExecutions,
    maxExecutionsPerTenant: subscriptions.maxExecutionsPerTenant,
    sharedExecutions: subscriptions.sharedExecutions,
    onDelivered: (event) => observability.delivered(event.topic, event.occurredAt),
  });
  live.sockets = () => wss.clients.size;
  live.subscriptions = () => liveSubscriptions.attached;
  webSockets.server = serveGraphQLWs(wss, {
    apollo,
    verifier,
    logger,
    getSchema: () => apiSchema,
    liveSubscriptions,
    eventStreams,
    admission: admissionParts.admission,
    caps: admissionParts.caps,
    scheduler: admissionParts.scheduler,
    maxOperationsPerConnection: subscriptions.maxOperationsPerConnection,
    onOperation: (record) => observability.operations.record(record, logger),
  });
  const sse = createGraphQLSseHandler({
    apollo,
    verifier,
    logger,
    getSchema: () => apiSchema,
    liveSubscriptions,
    eventStreams,
    admission: admissionParts.admission,
    caps: admissionParts.caps,
    scheduler: admissionParts.scheduler,
  });
  const ide = options.ide?.enabled === false ? undefined : createGraphQLIde({ graphqlPath: '/graphql', ...options.ide });
  let ready = false;
  httpServer.on(
    'request',
    createGraphQLHttpHandler<GatewayContext>({
      server: apollo,
      context: httpAdmissionContext({
        verifier,
        admission: admissionParts.admission,
        getSchema: () => apiSchema,
        scheduler: admissionParts.scheduler,
        refusalDelayMs: options.admission?.refusalDelayMs,
      }),
      intercept: browserRoutes({ graphqlPath: '/graphql', cors, ide, sse }),
      service: 'gateway',
      ops: observability.ops(
        { name: 'listening', check: async () => (ready ? undefined : 'not listening yet') },
        { name: 'supergraph', check: async () => (apiSchema ? undefined : 'supergraph not loaded') },
        ...(options.readinessChecks ?? []),
      ),
      onOperation: (record) => observability.operations.record(record, logger),
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
    });
  } catch (err) {
    await liveSubscriptions.close();
    await apollo.stop();
    redis?.disconnect();
    admissionParts.planning?.close();
    throw err;
  }
  ready = true;
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ port }, 'gateway listening');
  let stopping: Promise<void> | undefined;
  return {
    name: 'gateway',
    port,
    url: `http://localhost:${port}/graphql`,
    wsUrl: `ws://localhost:${port}/graphql`,
    apollo,
    observability,
    get liveSubscriptions() {
      return liveSubscriptions.attached;
    },
    stop() {
      stopping ??= (async () => {
        // Readiness turns false first, so load balancers stop sending traffic before anything drains.
        observability.readiness.startDraining();
        if (observability.drainDelayMs > 0) await new Promise((r) => setTimeout(r, observability.drainDelayMs));
        ready = false;
        // No subscription execution starts from here on; then every socket is closed with 1012 (Service
        // Restart), which graphql-ws clients retry: they resume from their cursors on another replica.
        liveSubscriptions.drain();
        await closeWebSockets(wss, CLOSE_SERVICE_RESTART, 'Server restarting');
        await liveSubscriptions.close();
        await apollo.stop(); // drains HTTP and disposes the WebSocket server (plugins above)
        redis?.disconnect();
        admissionParts.planning?.close();
      })();
      return stopping;
    },
  };
}
