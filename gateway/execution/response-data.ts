/**
 * The data of a query plan's execution: objects parsed from subgraph answers (`JSON.parse`) and the
 * plain objects the executor and the result shaping build from them; reading and writing their own
 * properties, and merging one fetch's answer into them. A key such as `constructor` or `toString`
 * must never read or merge into what `Object.prototype` holds, and a `__proto__` key must stay
 * data, never become a prototype.
 */

/**
 * `object[key]` if `object` has it as its own property, else undefined. Data here is parsed JSON or
 * built from it, so a function is always inherited from `Object.prototype`; `__proto__`, the one
 * inherited accessor, is checked as an own property.
 */
export function ownValue(object: Record<string, unknown>, key: string): unknown {
  if (key === '__proto__') return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  const value = object[key];
  return typeof value === 'function' ? undefined : value;
}

/** Sets `target[key]` as an own data property (`__proto__` included, which an assignment would not). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Whether `value` is a non-null object that is not an array (a GraphQL object value in data). */
function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merges `source` into `target` (in place): objects key by key, lists of the same length element by
 * element, anything else replaced; `undefined` values are skipped. As `@apollo/gateway`'s
 * `deepMerge`, for plain or null-prototype objects.
 */
export function deepMerge(target: Record<string, unknown>, source: unknown): void {
  if (source === undefined || source === null) return;
  for (const key of Object.keys(source)) {
    const value = (source as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const existing = ownValue(target, key);
    if (existing && isObject(value)) {
      deepMerge(existing as Record<string, unknown>, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        if (isObject(existing[i]) && isObject(value[i])) deepMerge(existing[i] as Record<string, unknown>, value[i]);
        else existing[i] = value[i];
      }
    } else setOwn(target, key, value);
  }
}
