/**
 * One event's result, shaped and serialised once for all the subscribers that receive it alike.
 *
 * A shared execution (shared-executor.ts) gives every subscriber with the same execution key the same
 * raw result object; each subscriber then reads it into its own shape (its alias, its field order:
 * selection-normalizer.ts) and adds the entry's cursor. Subscribers whose subscription documents give
 * the same shape (the same {@link LivePlan.shapeKey}) receive exactly the same message, so
 * {@link ShapedResults} builds that message once per raw result and shape, and {@link resultJson}
 * serialises it once, however many sockets it is written to. Results are immutable once shaped: a
 * transport must not change them.
 *
 * Both maps are weak on the raw or shaped result: an entry lives as long as someone holds the result
 * (the executor's kept results, subscribers still writing it), no longer.
 */
import type { ExecutionResult } from 'graphql';

/** Shaped results per raw result and shape key; see the module doc. */
export class ShapedResults {
  private readonly byRaw = new WeakMap<ExecutionResult, Map<string, ExecutionResult | undefined>>();

  /**
   * The result of shaping `raw` as `shapeKey`: built by `shape` the first time for this raw result
   * and key, the same object (or undefined: nothing to send) every later time.
   */
  get(raw: ExecutionResult, shapeKey: string, shape: () => ExecutionResult | undefined): ExecutionResult | undefined {
    let shapes = this.byRaw.get(raw);
    if (!shapes) {
      shapes = new Map();
      this.byRaw.set(raw, shapes);
    }
    if (shapes.has(shapeKey)) return shapes.get(shapeKey);
    const shaped = shape();
    shapes.set(shapeKey, shaped);
    return shaped;
  }
}

const serialised = new WeakMap<ExecutionResult, string>();

/**
 * `JSON.stringify(result)`, computed once per result object (errors serialise through
 * `GraphQLError.toJSON`, as graphql-ws and graphql-sse send them).
 */
export function resultJson(result: ExecutionResult): string {
  let json = serialised.get(result);
  if (json === undefined) {
    json = JSON.stringify(result);
    serialised.set(result, json);
  }
  return json;
}
