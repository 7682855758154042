/**
 * Per-test-file supergraph: a fresh database copied from the seeded template, the real subgraphs and
 * gateway on free ports, Redis from the global setup; plus HTTP and graphql-ws clients.
 */
import { Client } from 'pg';
import { Cluster, Redis } from 'ioredis';
import { createClient, type Client as WsClient, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { mintDevToken, type DevTokenOptions } from '../../lib/auth/dev-token';
import { appDatabaseUrl, DEFAULT_APP_ROLE, loadConfig, type AppConfig } from '../../lib/config';
import { createLogger, type Logger } from '../../lib/logger';
import { startLocalSupergraph, type LocalSupergraph, type LocalSupergraphOptions } from '../../apps/local-supergraph';
import { startPgBouncer, type PgBouncer } from './pgbouncer';
import { flushAll, parseSeeds } from './redis-backends';
import { waitUntil } from './processes';
import { createDatabaseFromTemplate } from './test-database';

/** Response of {@link TestStack.gql}. */
export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T | null; errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }> };
}

/** A running supergraph for one test file. */
export interface TestStack extends LocalSupergraph {
  /** Owner URL of this file's database (superuser: sees every row, for assertions). */
  databaseUrl: string;
  /** SQL statements sent through Prisma since the last {@link resetQueries}. */
  queries: string[];
  resetQueries(): void;
  /** Mints a dev token (`tenant` + `user` of the demo data). */
  token(options: Omit<DevTokenOptions, 'secret'>): Promise<string>;
  /** POSTs a GraphQL request to the gateway. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    auth?: { token?: string; headers?: Record<string, string> },
  ): Promise<GqlResponse<T>>;
  /** Places an order of `quantity` (default 1) units of `productId` with `token`; throws on GraphQL errors. */
  placeOrder(token: string, productId: string, quantity?: number): Promise<PlacedOrder>;
  /**
   * Waits until exactly `count` subscriptions of this stack's gateway are attached to their stream
   * (every event appended from then on reaches them). Rejects after `timeoutMs` (default 15 s).
   */
  waitForLiveSubscriptions(count: number, timeoutMs?: number): Promise<void>;
  /** POSTs a GraphQL request to any URL (a subgraph). */
  post<T = Record<string, unknown>>(url: string, body: unknown, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  /** A graphql-ws client connected with `token`. */
  wsClient(token: string | undefined, extraParams?: Record<string, unknown>): WsClient;
  /** A raw SQL client on this file's database (for assertions). */
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** The PgBouncer in front of the database (with `pgbouncerPoolSize`). */
  pgbouncer?: PgBouncer;
  /** Runs `fn` with a raw client of the stack's Redis (a `Cluster` client on a Redis Cluster), then disconnects it. */
  withRedis<T>(fn: (redis: Redis | Cluster) => Promise<T>): Promise<T>;
}

/** An order placed by {@link TestStack.placeOrder}. */
export interface PlacedOrder {
  id: string;
  number: string;
}

const PLACE_ORDER = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number } }';

/** Options of {@link startTestStack}. */
export interface TestStackOptions {
  /** Event log: `redis` (default) or `memory`. */
  eventLog?: 'redis' | 'cluster' | 'memory';
  /** Changes to the test configuration (for example a custom `jwt`, or `hideSchemaDetails: true`). */
  config?: (config: AppConfig) => AppConfig;
  /** Redis to use instead of the global one (fault tests start their own redis-server). */
  redisUrl?: string;
  /** With `eventLog: 'cluster'`: the seeds (`host:port,...`) of a cluster to use instead of the global one. */
  redisClusterNodes?: string;
  /**
   * Route the services' database connections through a PgBouncer in transaction mode with this
   * many server connections (tenants then scoped per transaction: `DB_TENANT_POOLS=false`).
   */
  pgbouncerPoolSize?: number;
  /** The gateway's subscription limits. */
  subscriptions?: LocalSupergraphOptions['subscriptions'];
  /** Logger of every service (default: silent, or `TEST_LOG_LEVEL`); tests that read log lines pass their own. */
  logger?: Logger;
  /** Where the services' log lines go, at `logLevel` (without `logger`; default: nowhere, `TEST_LOG_LEVEL` or silent). */
  logDestination?: { write(line: string): void };
  logLevel?: string;
  /**
   * `generous` (default): the `standard` and `enterprise` plans and every user's budgets far above
   * any test's traffic, so files about other features are not rate limited; `as-configured`: the
   * migration's plans and the configured user budgets (files about the budgets set their own).
   */
  budgets?: 'generous' | 'as-configured';
}

/** Starts the stack; call `stop()` in `afterAll`. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const templateUrl = process.env.TEST_TEMPLATE_DATABASE_URL;
  const redisUrl = options.redisUrl ?? process.env.TEST_REDIS_URL;
  if (!templateUrl || !redisUrl) throw new Error('Run the tests with jest (npm test): the global setup provides the databases.');
  const databaseUrl = await createDatabaseFromTemplate(templateUrl);
  const backend = options.eventLog ?? 'redis';
  const clusterNodes = backend === 'cluster' ? clusterSeeds(options.redisClusterNodes ?? process.env.TEST_REDIS_CLUSTER_NODES) : undefined;
  const rawRedis = (): Redis | Cluster =>
    clusterNodes ? new Cluster(clusterNodes, { redisOptions: { protocol: 2 } }) : new Redis(redisUrl, { protocol: 2 });
  if (backend !== 'memory') {
    const redis = rawRedis();
    await flushAll(redis as Redis);
    redis.disconnect();
  }
  const queries: string[] = [];
  const base = loadConfig({ NODE_ENV: 'test' });
  let config: AppConfig = {
    ...base,
    database: { ...base.database, url: databaseUrl },
    redisUrl: backend === 'redis' ? redisUrl : undefined,
    redisClusterNodes: clusterNodes,
  };
  if ((options.budgets ?? 'generous') === 'generous') {
    const owner = new Client({ connectionString: databaseUrl });
    await owner.connect();
    await owner.query(
      "UPDATE plans SET requests_per_minute = 1000000000, cost_per_minute = 1000000000 WHERE name IN ('standard', 'enterprise')",
    );
    await owner.end();
    config = { ...config, admission: { ...config.admission, user: { requestsPerMinute: 1_000_000_000, costPerMinute: 1_000_000_000 } } };
  }
  const pgbouncer = options.pgbouncerPoolSize
    ? await startPgBouncer({
        serverUrl: databaseUrl,
        users: { [DEFAULT_APP_ROLE.user]: DEFAULT_APP_ROLE.password },
        poolSize: options.pgbouncerPoolSize,
      })
    : undefined;
  if (pgbouncer)
    config = { ...config, database: { ...config.database, appUrl: pgbouncer.through(appDatabaseUrl(databaseUrl)), tenantPools: false } };
  const supergraph = await startLocalSupergraph({
    config: options.config ? options.config(config) : config,
    logger:
      options.logger ??
      createLogger('test', options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent', { destination: options.logDestination }),
    ephemeralPorts: true,
    onQuery: (q) => queries.push(q),
    subscriptions: options.subscriptions,
  });
  const sqlClient = new Client({ connectionString: databaseUrl });
  await sqlClient.connect();
  const wsClients: WsClient[] = [];
  const post = async <T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GqlResponse<T>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: GqlResponse<T>['body'];
    try {
      parsed = JSON.parse(text) as GqlResponse<T>['body'];
    } catch {
      throw new Error(`Non-JSON response ${res.status}: ${text.slice(0, 200)}`);
    }
    return { status: res.status, body: parsed };
  };
  const gql = <T>(query: string, variables?: Record<string, unknown>, auth: { token?: string; headers?: Record<string, string> } = {}) =>
    post<T>(
      supergraph.gatewayUrl,
      { query, variables },
      { ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}), ...auth.headers },
    );
  return {
    ...supergraph,
    databaseUrl,
    queries,
    resetQueries: () => void queries.splice(0),
    token: (o) => mintDevToken(o),
    gql,
    post,
    async placeOrder(token, productId, quantity = 1) {
      const res = await gql<{ placeOrder: PlacedOrder }>(PLACE_ORDER, { input: { lines: [{ productId, quantity }] } }, { token });
      if (res.body.errors || !res.body.data?.placeOrder) throw new Error(`placeOrder failed: ${JSON.stringify(res.body.errors)}`);
      return res.body.data.placeOrder;
    },
    async waitForLiveSubscriptions(count, timeoutMs = 15_000) {
      try {
        await waitUntil(() => supergraph.gateway.liveSubscriptions === count, `${count} live subscriptions`, timeoutMs, 10);
      } catch (err) {
        throw new Error(`${(err as Error).message} (there are ${supergraph.gateway.liveSubscriptions})`);
      }
    },
    wsClient(token, extraParams = {}) {
      const client = createClient({
        url: supergraph.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraParams },
        retryAttempts: 0,
        lazy: true,
      });
      wsClients.push(client);
      return client;
    },
    async sql(text, params) {
      return (await sqlClient.query(text, params)).rows;
    },
    pgbouncer,
    async withRedis(fn) {
      const redis = rawRedis();
      try {
        return await fn(redis);
      } finally {
        redis.disconnect();
      }
    },
    async stop() {
      for (const c of wsClients) await c.dispose();
      await sqlClient.end();
      await supergraph.stop();
      await pgbouncer?.stop();
    },
  };
}

/** A subscription's received messages, with a way to await the next ones. */
export interface SubscriptionProbe {
  messages: FormattedExecutionResult<Record<string, unknown>, Record<string, unknown>>[];
  /** Resolves when at least `count` messages arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<FormattedExecutionResult<Record<string, unknown>, Record<string, unknown>>[]>;
  /** Resolves with the error or close event that ended the subscription. */
  ended: Promise<unknown>;
  /** Completes the subscription (the client sends `complete`; the server ends it). */
  unsubscribe(): void;
}

/** Subscribes with `client` and records messages. */
export function subscribe(client: WsClient, query: string, variables: Record<string, unknown> = {}): SubscriptionProbe {
  const messages: SubscriptionProbe['messages'] = [];
  const waiters: Array<() => void> = [];
  let resolveEnded!: (v: unknown) => void;
  const ended = new Promise<unknown>((r) => (resolveEnded = r));
  const unsubscribe = client.subscribe<Record<string, unknown>, Record<string, unknown>>(
    { query, variables },
    {
      next: (m) => {
        messages.push(m);
        waiters.splice(0).forEach((w) => w());
      },
      error: (e) => {
        resolveEnded(e);
        waiters.splice(0).forEach((w) => w());
      },
      complete: () => {
        resolveEnded('complete');
        waiters.splice(0).forEach((w) => w());
      },
    },
  );
  return {
    messages,
    ended,
    unsubscribe,
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`timed out with ${messages.length}/${count} messages: ${JSON.stringify(messages).slice(0, 500)}`)),
          timeoutMs,
        );
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(deadline);
            resolve(messages);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The cluster seeds of `seeds` (the global setup's `TEST_REDIS_CLUSTER_NODES` by default). */
function clusterSeeds(seeds: string | undefined): Array<{ host: string; port: number }> {
  if (!seeds) throw new Error('Run the tests with jest (npm test): the global setup starts the Redis Cluster.');
  return parseSeeds(seeds);
}
