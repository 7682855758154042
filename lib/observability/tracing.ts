/**
 * OpenTelemetry tracing (the official SDK): off unless configured (`OTEL_EXPORTER_OTLP_ENDPOINT`),
 * then spans go to an OTLP/HTTP (protobuf) collector in batches. Context propagates in process
 * through `AsyncLocalStorage` and between processes through the W3C `traceparent` header
 * (https://www.w3.org/TR/trace-context/): client -> gateway -> every subgraph fetch -> resolvers ->
 * SQL (Prisma's own spans, @prisma/instrumentation), and along the event path in the event itself
 * (the outbox row's payload carries the `traceparent` of the write, like the CloudEvents
 * distributed-tracing extension), so the relay, the notifications consumer and the subscription
 * delivery continue the trace of the write that caused them.
 *
 * When tracing is off, the API's no-op tracer makes every helper here nearly free.
 */
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { PrismaInstrumentation } from '@prisma/instrumentation';

export { SpanKind, type Span };

/** Tracing settings (plain values from the configuration). */
export interface TracingSettings {
  /** OTLP/HTTP traces endpoint, for example `http://collector:4318/v1/traces`; unset = tracing off. */
  otlpEndpoint?: string;
  /** `service.name` of the spans (`OTEL_SERVICE_NAME`, default the process role). */
  serviceName: string;
  /** Fraction of new traces sampled, 0..1 (`OTEL_TRACES_SAMPLER_ARG`, default 1); child spans follow their parent. */
  sampleRatio: number;
}

/** Name of the tracer every span of the supergraph comes from. */
export const TRACER_NAME = 'tenant-supergraph';

let installed: TracerProvider | undefined;

/**
 * Installs a global tracer provider with `processors` (once per process; later calls return the
 * first provider), the async-local-storage context manager, the W3C propagator and Prisma's
 * instrumentation. Tests pass a `SimpleSpanProcessor` over an `InMemorySpanExporter`.
 */
export function installTracing(processors: SpanProcessor[], serviceName: string, sampleRatio = 1): TracerProvider {
  if (installed) return installed;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const prisma = new PrismaInstrumentation({ enabled: false });
  prisma.setTracerProvider(provider);
  prisma.enable();
  installed = provider;
  return provider;
}

/**
 * Starts exporting spans over OTLP when `settings.otlpEndpoint` is set; returns a function that
 * flushes and stops the exporter (call it last at shutdown). A no-op when tracing is off.
 */
export function startTracing(settings: TracingSettings): () => Promise<void> {
  if (!settings.otlpEndpoint) return async () => undefined;
  const exporter = new OTLPTraceExporter({ url: settings.otlpEndpoint });
  const provider = installTracing([new BatchSpanProcessor({ exporter })], settings.serviceName, settings.sampleRatio);
  return () => provider.shutdown().catch(() => undefined);
}

/** The tracer of the supergraph's own spans. */
export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The `traceparent` header value if it is well-formed per W3C Trace Context level 1 (version not
 * `ff`, trace id and parent id lower-case hex and not all zeros, version `00` without trailing
 * fields); undefined otherwise (the request then starts a new trace).
 */
export function validTraceparent(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'string' || v.length > 128) return undefined;
  const m = TRACEPARENT.exec(v.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, , rest] = m;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  if (version === '00' && rest) return undefined;
  return v.trim();
}

/** The context whose remote parent is `traceparent` (already validated), or the root context. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** The `traceparent` of the active span (to carry it in an event or a request), if any is recording. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The trace id of the active span, when one is recording (for log correlation). */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}

/** Options of {@link withSpan}. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context (default the active one). */
  parent?: Context;
  links?: Link[];
}

/** What {@link withSpan} hands `fn` while tracing is off: a span that records nothing. */
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `fn` inside a new active span named `name`: the span ends when `fn` settles, with an error
 * status and the exception recorded when it throws (the error is rethrown). While tracing is off
 * (no {@link installTracing}), `fn` runs as it is, with a span that records nothing.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  // Tracing off (no provider installed): OpenTelemetry's no-op tracer would only make a
  // non-recording span and a context to run `fn` in, per call (per subgraph fetch, per resolver).
  if (!installed) {
    try {
      return fn(NOOP_SPAN);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  return inSpan(name, options, fn);
}

async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind, attributes: options.attributes, links: options.links },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message.slice(0, 200) : undefined });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks `span` as failed with `message` (without an exception). */
export function markSpanError(span: Span, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
