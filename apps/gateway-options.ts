/**
 * The gateway's options from the process configuration: the one place that maps configuration
 * names to the plain values `startGateway` takes.
 */
import { applyLibrarySettings, type AppConfig } from '../lib/config';
import type { StartGatewayOptions } from '../gateway/gateway.server';

/** What the configuration decides of a gateway: token checks, credentials, subgraph URLs, subscription limits. */
export type ConfiguredGatewayOptions = Pick<
  StartGatewayOptions,
  'jwt' | 'internalSecret' | 'hideSchemaDetails' | 'subgraphUrls' | 'subscriptions' | 'admission' | 'redisUrl'
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
    admission: config.admission,
    redisUrl: config.redisUrl,
  };
}
