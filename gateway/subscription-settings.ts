/**
 * Limits and switches of the subscriptions the gateway serves (graphql-ws and SSE), with their
 * defaults.
 */

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
export function subscriptionSettings(options: GatewaySubscriptionOptions = {}): Required<GatewaySubscriptionOptions> {
  const d = SUBSCRIPTION_DEFAULTS;
  return {
    maxConcurrentExecutions: options.maxConcurrentExecutions ?? d.maxConcurrentExecutions,
    sharedExecutions: options.sharedExecutions ?? d.sharedExecutions,
    maxQueue: options.maxQueue ?? d.maxQueue,
    maxOperationsPerConnection: options.maxOperationsPerConnection ?? d.maxOperationsPerConnection,
    maxExecutionsPerTenant: options.maxExecutionsPerTenant ?? d.maxExecutionsPerTenant,
  };
}
