/**
 * The context of every operation the gateway executes, whatever the transport: HTTP requests
 * (gateway/gateway.server.ts) and operations over graphql-ws (gateway/subscriptions/). Subgraph
 * calls read the principal from it to sign their credential (gateway/subgraph-data-source.ts).
 */
import type { Principal } from '../lib/principal';

/** Context of every gateway operation: who it acts as. */
export interface GatewayContext {
  principal: Principal;
}
