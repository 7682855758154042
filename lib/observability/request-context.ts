/**
 * The correlation context of one unit of work (a client operation, a subgraph request, an event
 * handled by a consumer or relay), kept in an `AsyncLocalStorage` so that every log line written
 * while it runs carries its ids (lib/logger.ts reads it in pino's `mixin`) without passing a logger
 * around, errors and library callbacks included. Fields fill in as they become known: the request
 * id at once, the tenant and user after authentication, the operation name after parsing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What is known about the unit of work that is running (mutable: fields are set as they become known). */
export interface RequestContext {
  /** Correlation id (`x-request-id`, or generated). */
  requestId?: string;
  /** W3C trace id of the unit of work's span, when tracing is on. */
  traceId?: string;
  tenantId?: string;
  userId?: string;
  /** GraphQL operation name (`(anonymous)` for unnamed operations) once parsed. */
  operationName?: string;
  /** `query`, `mutation` or `subscription`, once parsed. */
  operationType?: string;
  /** The event being handled (consumers, relay). */
  eventId?: string;
  /** `extensions.code` values of the errors the response carries. */
  errorCodes?: string[];
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` as the current correlation context (nested runs replace it for their duration). */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current correlation context, or undefined outside any unit of work. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Adds `fields` to the current correlation context (no-op outside one). */
export function annotateRequestContext(fields: Partial<RequestContext>): void {
  const store = storage.getStore();
  if (!store) return;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (store as Record<string, unknown>)[k] = v;
}

/** The fields of the current context that go on log lines (undefined ones left out). */
export function logFieldsOfRequestContext(): Record<string, string> {
  const store = storage.getStore();
  if (!store) return {};
  const out: Record<string, string> = {};
  if (store.requestId) out.requestId = store.requestId;
  if (store.traceId) out.traceId = store.traceId;
  if (store.tenantId) out.tenantId = store.tenantId;
  if (store.userId) out.userId = store.userId;
  if (store.operationName) out.operationName = store.operationName;
  if (store.eventId) out.eventId = store.eventId;
  return out;
}
