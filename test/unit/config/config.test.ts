import { ConfigError, DEV_JWT_SECRET, loadConfig } from '../../../lib/config';

describe('loadConfig', () => {
  it('needs no variable: local defaults for every port, URL and limit', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.gateway.port).toBe(4000);
    expect(config.subgraphPorts).toEqual({ tenant: 4001, catalog: 4002, orders: 4003, notifications: 4004 });
    expect(config.gateway.subgraphUrls.orders).toBe('http://localhost:4003/graphql');
    expect(config.jwt).toMatchObject({ secret: DEV_JWT_SECRET, algorithms: ['HS256'], tenantClaim: 'tenant_id' });
    expect(config.database).toMatchObject({ tenantPools: true, migrateOnStart: true, seedDemoData: false, embeddedPort: 5433 });
    expect(config.database).toMatchObject({ poolMinConnections: 4, poolIdleTimeoutMs: 10_000 });
    expect(config.events).toMatchObject({ streamRetention: 10_000, consumerLeaseMs: 10_000, consumerMaxDeliveries: 5 });
    expect(config.hideSchemaDetails).toBe(false);
    expect(config.observability.memoryReleaseIdleMs).toBe(5000);
  });

  it('reads every value from its variable, blank values meaning unset', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '5000',
      ORDERS_PORT: '5003',
      CATALOG_URL: 'http://catalog:4002/graphql',
      DB_TENANT_POOLS: 'false',
      SUBSCRIPTION_SHARED_EXECUTIONS: '0',
      REDIS_URL: ' ',
      JWT_JWKS_URL: 'https://issuer.example/.well-known/jwks.json',
      SUBGRAPH: 'orders',
      MEMORY_RELEASE_IDLE_MS: '0',
      DB_POOL_MIN_CONNECTIONS: '0',
      DB_POOL_IDLE_TIMEOUT_MS: '30000',
    });
    expect(config).toMatchObject({ env: 'test', logLevel: 'silent', redisUrl: undefined, subgraph: 'orders' });
    expect(config.gateway).toMatchObject({ port: 5000, sharedSubscriptionExecutions: false });
    expect(config.gateway.subgraphUrls).toMatchObject({ orders: 'http://localhost:5003/graphql', catalog: 'http://catalog:4002/graphql' });
    expect(config.database).toMatchObject({ tenantPools: false, poolMinConnections: 0, poolIdleTimeoutMs: 30_000 });
    expect(config.observability.memoryReleaseIdleMs).toBe(0);
    expect(config.jwt).toMatchObject({ secret: undefined, algorithms: ['RS256', 'ES256', 'EdDSA'] });
  });

  it('names every malformed variable in one ConfigError', () => {
    const load = () =>
      loadConfig({ PORT: 'abc', STREAM_RETENTION: '0', DB_TENANT_POOLS: 'yes', SUBGRAPH: 'billing', REDIS_URL: 'not a url' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT: must be a non-negative integer, got "abc"/);
    expect(load).toThrow(/STREAM_RETENTION: must be a positive integer, got "0"/);
    expect(load).toThrow(/DB_TENANT_POOLS: must be true or false, got "yes"/);
    expect(load).toThrow(/SUBGRAPH: /);
    expect(load).toThrow(/REDIS_URL: must be a URL$/m);
  });

  it('never echoes a secret or a connection URL in its errors', () => {
    let message = '';
    try {
      loadConfig({ INTERNAL_JWT_SECRET: 'too-short-secret', DATABASE_URL: 'postgres://u:hunter2@db' + ' x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/INTERNAL_JWT_SECRET: must be at least 32 characters/);
    expect(message).toMatch(/DATABASE_URL: must be a URL/);
    expect(message).not.toMatch(/too-short-secret|hunter2/);
  });

  it('refuses production without a JWT key, and `none` among the algorithms', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('Set JWT_JWKS_URL, JWT_PUBLIC_KEY or JWT_SECRET in production.');
    expect(() => loadConfig({ JWT_ALGORITHMS: 'HS256,none' })).toThrow('JWT_ALGORITHMS must not contain "none".');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) }).hideSchemaDetails).toBe(true);
  });

  it('refuses in production the published development JWT secret and any secret under 32 bytes', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET })).toThrow(/published development secret/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(31) })).toThrow(/at least 32 bytes/);
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: '€'.repeat(11) }).jwt.secret).toBe('€'.repeat(11));
    expect(loadConfig({ JWT_SECRET: 'short' }).jwt.secret).toBe('short'); // development: allowed
  });

  it('turns introspection off in production unless GRAPHQL_INTROSPECTION enables it; admission limits have defaults', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) };
    expect(loadConfig(production).admission.introspection).toBe(false);
    expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: 'true' }).admission.introspection).toBe(true);
    expect(loadConfig({}).admission).toMatchObject({
      introspection: true,
      limits: {
        maxDepth: 12,
        maxAliases: 30,
        maxRootFields: 20,
        maxMutationRootFields: 5,
        maxDirectives: 20,
        maxTokens: 5_000,
        maxCharacters: 50_000,
        maxCost: 20_000,
      },
      user: { requestsPerMinute: 600, costPerMinute: 100_000 },
    });
    expect(loadConfig({}).printPlatformAdminToken).toBe(false);
    expect(() => loadConfig({ GRAPHQL_MAX_DEPTH: '0', TRUSTED_DOCUMENTS: 'maybe' })).toThrow(
      /GRAPHQL_MAX_DEPTH: must be a positive integer[\s\S]*TRUSTED_DOCUMENTS: must be require or allow/,
    );
  });
});
