/**
 * The gateway's options from the process configuration: the one place that maps configuration
 * names to the plain values `startGateway` takes.
 */
import { applyLibrarySettings, type AppConfig } from '../lib/config';
import { ideDevTokens } from './ide-dev-tokens';
import type { StartGatewayOptions } from '../gateway/gateway.server';
import { observabilityOptions } from './observability-options';

/** What the configuration decides of a gateway: token checks, credentials, subgraph URLs, subscription limits. */
export type ConfiguredGatewayOptions = Pick<
  StartGatewayOptions,
  | 'jwt'
  | 'internalSecret'
  | 'hideSchemaDetails'
  | 'subgraphUrls'
  | 'subscriptions'
  | 'corsOrigins'
  | 'ide'
  | 'observability'
  | 'resilience'
  | 'admission'
  | 'redis'
>;

/**
 * The gateway options of `config`; also hands `@apollo/gateway` its own settings
 * (`applyLibrarySettings`), so call it before starting the gateway.
 * @throws Error when `INTERNAL_JWT_SECRET` is not configured (the gateway signs subgraph credentials with it).
 */
export function gatewayOptions(config: AppConfig): ConfiguredGatewayOptions {
  if (!config.internalSecret) throw new Error('INTERNAL_JWT_SECRET is required: the gateway signs subgraph credentials with it.');
  applyLibrarySettings(config);
  return {
    jwt: config.jwt,
    internalSecret: config.internalSecret,
    hideSchemaDetails: config.hideSchemaDetails,
    subgraphUrls: config.gateway.subgraphUrls,
    subscriptions: {
      maxConcurrentExecutions: config.gateway.maxSubscriptionExecutions,
      maxExecutionsPerTenant: config.gateway.maxSubscriptionExecutionsPerTenant,
      sharedExecutions: config.gateway.sharedSubscriptionExecutions,
    },
    corsOrigins: config.gateway.corsOrigins,
    ide: { enabled: config.gateway.ide, devTokens: ideDevTokens(config) },
    observability: observabilityOptions(config),
    resilience: { default: config.resilience.default, subgraphs: config.resilience.subgraphs },
    admission: config.admission,
    redis: config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : config.redisUrl ? { url: config.redisUrl } : undefined,
  };
}
