/**
 * Spans for a subgraph's resolvers: each root field (`Query.*`, `Mutation.*`) and each reference
 * resolver (`__resolveReference`, the `_entities` path) runs in a span named after it, active while
 * it runs, so the SQL it causes (Prisma's spans) nests under it. Nested field resolvers get no span
 * of their own (they are many and cheap; their SQL goes through DataLoaders started by the root).
 * With tracing off the wrappers cost one no-op span each.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { SpanKind, withSpan } from '../../lib/observability/tracing';

type AnyFn = (...args: unknown[]) => unknown;

function traced(name: string, fn: AnyFn): AnyFn {
  return (...args) => withSpan(name, { kind: SpanKind.INTERNAL }, async () => fn(...args));
}

/** `resolvers` with root fields and reference resolvers wrapped in spans `<subgraph> <Type>.<field>`. */
export function traceResolvers<C>(subgraph: string, resolvers: GraphQLResolverMap<C>): GraphQLResolverMap<C> {
  const out: Record<string, unknown> = {};
  for (const [typeName, fields] of Object.entries(resolvers as Record<string, unknown>)) {
    if (!fields || typeof fields !== 'object' || Object.getPrototypeOf(fields) !== Object.prototype) {
      out[typeName] = fields; // scalars and enums
      continue;
    }
    const root = typeName === 'Query' || typeName === 'Mutation';
    const wrapped: Record<string, unknown> = {};
    for (const [field, resolver] of Object.entries(fields as Record<string, unknown>)) {
      if (typeof resolver === 'function' && (root || field === '__resolveReference')) {
        wrapped[field] = traced(`${subgraph} ${typeName}.${field}`, resolver as AnyFn);
      } else wrapped[field] = resolver;
    }
    out[typeName] = wrapped;
  }
  return out as GraphQLResolverMap<C>;
}
