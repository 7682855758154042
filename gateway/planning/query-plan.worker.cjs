/**
 * Worker thread of gateway/planning/query-planning.ts: builds the query planner of
 * `@apollo/gateway` (`@apollo/query-planner` over the supergraph it is given) once, then plans the
 * documents it is sent, off the gateway's event loop. Plain JavaScript (CommonJS), so it runs
 * without a TypeScript loader in every runtime (tsx, jest, node). Messages:
 * in `{ id, query, operationName }`; out `{ id, plan }` (a QueryPlan: plain data, structured-cloned)
 * or `{ id, error }`.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { parse } = require('graphql');
const { Supergraph, operationFromDocument } = require('@apollo/federation-internals');
const { QueryPlanner } = require('@apollo/query-planner');

const supergraph = Supergraph.build(workerData.supergraphSdl);
const planner = new QueryPlanner(supergraph);
const apiSchema = supergraph.apiSchema();

parentPort.on('message', ({ id, query, operationName }) => {
  try {
    const operation = operationFromDocument(apiSchema, parse(query), { operationName: operationName ?? undefined });
    parentPort.postMessage({ id, plan: planner.buildQueryPlan(operation) });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
// Warm the planner (its first plan builds caches) before taking documents.
planner.buildQueryPlan(operationFromDocument(apiSchema, parse('{ __typename }'), {}));
parentPort.postMessage({ ready: true });
