/**
 * The context of every operation the gateway executes, whatever the transport: HTTP requests
 * (gateway/gateway.server.ts) and operations over graphql-ws (gateway/subscriptions/). Subgraph
 * calls read the principal from it to sign their credential (gateway/subgraph-data-source.ts).
 */
import type { Principal } from '../lib/principal';

/** What the admission pipeline decided of an HTTP operation (gateway/admission/http-admission.ts). */
export interface AdmissionOutcome {
  /** The operation's static cost, charged to the budgets. */
  cost: number;
  /** Gives back the operation's slot of the fair scheduler; called once the response is ready. */
  release?: () => void;
}

/** Context of every gateway operation: who it acts as. */
export interface GatewayContext {
  principal: Principal;
  /** Set for operations admitted over HTTP. */
  admission?: AdmissionOutcome;
}
