/**
 * What every GraphQL HTTP request goes through, in the gateway and in the subgraphs: a request id
 * (the caller's `x-request-id` when it is sensible, else a new UUID; echoed on the response), a
 * correlation context for the logs (lib/observability/request-context.ts), a server span whose
 * parent is the caller's W3C `traceparent` when it is well-formed, and, once the response is sent,
 * one {@link OperationRecord} (metrics and the access log line).
 *
 * The subgraphs honour the gateway's `traceparent` after a format check only: a trace context
 * grants nothing (no tenant, user, scope or data depends on it; the gateway credential is still
 * required before anything executes), so the worst a forged one can do is attach spans to another
 * trace. Binding it into the gateway-signed credential would cost one signature per fetch instead
 * of one per principal and subgraph (lib/auth/internal-credential.ts caches them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFrom } from '../auth/http-credentials';
import type { OperationRecord } from '../observability/operation-metrics';
import { runWithRequestContext, type RequestContext } from '../observability/request-context';
import { contextFromTraceparent, SpanKind, validTraceparent, withSpan } from '../observability/tracing';

/** Options of {@link observeGraphQLRequest}. */
export interface RequestObservationOptions {
  /** Service name for the span (`gateway`, `subgraph catalog`). */
  service: string;
  /** Called once the response was sent. */
  onOperation?: (record: OperationRecord) => void;
}

/** Runs `handle` for `req` inside its request id, correlation context and server span (see module doc). */
export async function observeGraphQLRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: RequestObservationOptions,
  handle: () => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const requestId = requestIdFrom(req.headers['x-request-id']);
  // Later readers of the header (the principal's request id) see the same id.
  req.headers['x-request-id'] = requestId;
  res.setHeader('x-request-id', requestId);
  const store: RequestContext = { requestId };
  const parent = contextFromTraceparent(validTraceparent(req.headers.traceparent));
  const attributes = { 'http.request.method': req.method ?? 'GET' };
  await runWithRequestContext(store, async () => {
    try {
      await withSpan(`${options.service} graphql`, { kind: SpanKind.SERVER, parent, attributes }, async (span) => {
        if (span.isRecording()) store.traceId = span.spanContext().traceId;
        try {
          await handle();
        } finally {
          const name = store.operationName ? ` ${store.operationName}` : '';
          span.updateName(`${options.service} ${store.operationType ?? 'graphql'}${name}`);
          span.setAttribute('http.response.status_code', res.statusCode);
          if (store.operationType) span.setAttribute('graphql.operation.type', store.operationType);
          if (store.operationName) span.setAttribute('graphql.operation.name', store.operationName);
          if (store.tenantId) span.setAttribute('tenant.id', store.tenantId);
        }
      });
    } finally {
      // Still inside the correlation context: the access line carries the request's ids.
      options.onOperation?.({
        operationName: store.operationName,
        operationType: store.operationType,
        tenantId: store.tenantId,
        transport: 'http',
        status: res.statusCode,
        errorCodes: store.errorCodes ?? [],
        durationMs: performance.now() - started,
      });
    }
  });
}
