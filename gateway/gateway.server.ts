/**
 * The gateway: Apollo Server over `@apollo/gateway` with the committed supergraph, on one port for
 * HTTP (`/graphql`, `/healthz`, `/readyz`) and graphql-ws (`/graphql`). Clients authenticate with a
 * bearer JWT; the gateway calls subgraphs with its own short-lived credential for the principal and
 * forwards no client header. Subscriptions are served by the gateway itself from the tenant's event
 * streams over graphql-ws (gateway/subscriptions/graphql-ws.adapter.ts). Every operation, on every
 * transport, passes the admission pipeline (gateway/admission/) before `@apollo/gateway` plans it.
 */
import { createServer, type Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { CredentialSigner } from '../lib/auth/internal-credential';
import type { JwtConfig } from '../lib/config';
import type { EventStreams } from '../lib/events/event-log';
import { createGraphQLHttpHandler } from '../lib/http/graphql-http-handler';
import type { Logger } from '../lib/logger';
import { maskError } from '../lib/mask-error';
import { readCommittedSupergraph } from '../lib/schema/subgraphs';
import { createAdmission, type AdmissionSettings } from './admission/create-admission';
import { httpAdmissionContext, releaseSlotPlugin } from './admission/http-admission';
import { JwtVerifier } from './auth/jwt-verifier';
import type { GatewayContext } from './gateway-context';
import { executeOperation } from './execute-operation';
import { SubgraphDataSource } from './subgraph-data-source';
import { serveGraphQLWs } from './subscriptions/graphql-ws.adapter';
import { LiveSubscriptions } from './subscriptions/live-subscriptions';

/** A started gateway. */
export interface GatewayService {
  name: 'gateway';
  port: number;
  /** HTTP endpoint, `http://localhost:<port>/graphql`. */
  url: string;
  /** graphql-ws endpoint, `ws://localhost:<port>/graphql`. */
  wsUrl: string;
  apollo: ApolloServer<GatewayContext>;
  /**
   * Live subscriptions of this gateway attached to their stream (replaying or live): every event
   * appended from now on reaches them (tests wait for it; metrics).
   */
  readonly liveSubscriptions: number;
  /** Closes WebSockets, drains HTTP requests, stops the stream readers. */
  stop(): Promise<void>;
}

/** Limits and switches of the subscriptions the gateway serves over graphql-ws; plain values, see {@link SUBSCRIPTION_DEFAULTS}. */
export interface GatewaySubscriptionOptions {
  /** Most subscription executions running at once in this process; others wait for a slot (default 32). */
  maxConcurrentExecutions?: number;
  /** Share one execution per event among subscribers with the same execution key (default true; false for benchmarks). */
  sharedExecutions?: boolean;
  /** Pending events per subscription before its connection is closed with 4429 (default 1000). */
  maxQueue?: number;
  /** Operations running at once on one connection (default 100). */
  maxOperationsPerConnection?: number;
  /** Most subscription executions of one tenant running at once (default 4: another tenant always finds most slots free). */
  maxExecutionsPerTenant?: number;
}

/** Defaults of {@link GatewaySubscriptionOptions}. */
export const SUBSCRIPTION_DEFAULTS: Readonly<Required<GatewaySubscriptionOptions>> = {
  maxConcurrentExecutions: 32,
  sharedExecutions: true,
  maxQueue: 1000,
  maxOperationsPerConnection: 100,
  maxExecutionsPerTenant: 4,
};

/** `options` with each unset value replaced by its default. */
function subscriptionSettings(options: GatewaySubscriptionOptions = {}): Required<GatewaySubscriptionOptions> {
  const d = SUBSCRIPTION_DEFAULTS;
  return {
    maxConcurrentExecutions: options.maxConcurrentExecutions ?? d.maxConcurrentExecutions,
    sharedExecutions: options.sharedExecutions ?? d.sharedExecutions,
    maxQueue: options.maxQueue ?? d.maxQueue,
    maxOperationsPerConnection: options.maxOperationsPerConnection ?? d.maxOperationsPerConnection,
    maxExecutionsPerTenant: options.maxExecutionsPerTenant ?? d.maxExecutionsPerTenant,
  };
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
  /** Document limits, cost, budgets, caps, introspection and trusted documents (each has a default). */
  admission?: AdmissionSettings;
  /** Redis shared by the replicas for budgets and persisted queries (`REDIS_URL`); absent = in process. */
  redisUrl?: string;
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

  const supergraphSdl = options.supergraphSdl ?? readCommittedSupergraph();
  // Budgets and persisted queries: fail fast while Redis is down (the budgets then count in process).
  const redis = options.redisUrl
    ? new Redis(options.redisUrl, { protocol: 2, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false })
    : undefined;
  redis?.on('error', () => undefined); // reconnects by itself; readiness reports the outage
  const admissionParts = createAdmission(options.admission ?? {}, {
    supergraphSdl,
    hideSchemaDetails,
    redis,
    execute: (principal, query) => executeOperation(apollo, principal, { query }, logger),
    logger,
  });

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
      }),
    logger,
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const httpServer: Server = createServer();
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_WS_PAYLOAD_BYTES });
  const webSockets: { server?: Disposable } = {};
  const disposeWebSockets: ApolloServerPlugin<GatewayContext> = {
    async serverWillStart() {
      return {
        async drainServer() {
          await webSockets.server?.dispose();
        },
      };
    },
  };

  /** `@apollo/gateway` cannot execute subscriptions: refuse them over HTTP with a pointer to graphql-ws. */
  const subscriptionsOverWebSocket: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws, graphql-transport-ws protocol) at /graphql.', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
        },
      };
    },
  };

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
      subscriptionsOverWebSocket,
      releaseSlotPlugin,
      disposeWebSockets,
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
  });
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
  });
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
      // Not ready while Redis (budgets, persisted queries, and the event streams on the same server) is unreachable.
      ready: () => (!ready ? false : !redis || redis.status === 'ready' ? true : ['redis']),
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
    get liveSubscriptions() {
      return liveSubscriptions.attached;
    },
    stop() {
      stopping ??= (async () => {
        ready = false;
        await liveSubscriptions.close();
        await apollo.stop(); // drains HTTP and disposes the WebSocket server (plugins above)
        redis?.disconnect();
        admissionParts.planning?.close();
      })();
      return stopping;
    },
  };
}
