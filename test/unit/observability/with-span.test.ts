import { withSpan, SpanKind } from '../../../lib/observability/tracing';

// Tracing is not installed in this file: the path every process takes without OTEL_EXPORTER_OTLP_ENDPOINT.
describe('withSpan without tracing', () => {
  it('runs fn with a span that records nothing and returns its result', async () => {
    const result = await withSpan('x', { kind: SpanKind.INTERNAL, attributes: { a: 1 } }, async (span) => {
      span.setAttribute('b', 2);
      return { recording: span.isRecording(), traceId: span.spanContext().traceId };
    });
    expect(result).toEqual({ recording: false, traceId: '00000000000000000000000000000000' });
  });

  it('rejects with what fn throws or rejects with, synchronously thrown errors included', async () => {
    const thrown = new Error('sync');
    await expect(
      withSpan('x', {}, () => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    const rejected = new Error('async');
    await expect(withSpan('x', {}, () => Promise.reject(rejected))).rejects.toBe(rejected);
  });
});
