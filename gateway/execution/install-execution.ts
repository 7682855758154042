/**
 * Puts the gateway's own query plan execution in place of `@apollo/gateway`'s: the executor
 * (./query-plan-executor.ts) for the `executeQueryPlan` that `ApolloGateway` calls, and the compiled
 * result shaping (./result-shaping.ts) for the `computeResponse` that `@apollo/gateway`'s executor
 * calls where it still runs. `@apollo/gateway` has no option for either, so this replaces the two
 * module exports those calls read (they are read at each call), once per process, after checking
 * that the installed `@apollo/gateway` is the version this was written and tested against;
 * otherwise it changes nothing and says so.
 */
import { createQueryPlanExecutor, type ExecuteQueryPlan, type HydratedPaths } from './query-plan-executor';
import { computeShapedResponse, type ComputeResponse } from './result-shaping';

/** The `@apollo/gateway` version the execution was written and tested against. */
export const EXECUTION_GATEWAY_VERSION = '2.14.4';

let installed: 'ours' | 'apollo' | undefined;

/**
 * Installs the gateway's execution (module doc); later calls return the first outcome: `'ours'`,
 * or `'apollo'` (nothing changed) when the installed `@apollo/gateway` is not
 * {@link EXECUTION_GATEWAY_VERSION} or its modules do not have the expected exports.
 */
export function installGatewayExecution(): 'ours' | 'apollo' {
  if (installed) return installed;
  installed = 'apollo';
  const { version } = require('@apollo/gateway/package.json') as { version: string };
  const shaping = require('@apollo/gateway/dist/resultShaping') as { computeResponse?: ComputeResponse };
  const execution = require('@apollo/gateway/dist/executeQueryPlan') as {
    executeQueryPlan?: ExecuteQueryPlan;
    generateHydratedPaths?: HydratedPaths;
  };
  const { computeResponse } = shaping;
  const { executeQueryPlan, generateHydratedPaths } = execution;
  if (version !== EXECUTION_GATEWAY_VERSION) return installed;
  if (typeof computeResponse !== 'function' || typeof executeQueryPlan !== 'function' || typeof generateHydratedPaths !== 'function') {
    return installed;
  }
  shaping.computeResponse = (args) => computeShapedResponse(args, computeResponse);
  execution.executeQueryPlan = createQueryPlanExecutor(executeQueryPlan, generateHydratedPaths);
  installed = 'ours';
  return installed;
}
