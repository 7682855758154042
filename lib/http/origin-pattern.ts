/**
 * Browser origins (RFC 6454: scheme, host and port) as the gateway's allow-list names them
 * (`CORS_ORIGINS`). An entry is one of:
 *
 * - an origin, `https://app.example.com` or `http://localhost:5173` (compared after normalising:
 *   lower-case scheme and host, default ports dropped, as browsers send them in `Origin`);
 * - an origin with `*` as its port, `http://localhost:*`: that scheme and host on any port;
 * - `*`: every origin (fine for an API authenticated only by bearer tokens, which browsers never
 *   attach on their own; never for cookie-authenticated APIs).
 */

/** The loopback origins on any port: the development default of `CORS_ORIGINS`. */
export const LOCAL_ORIGINS: readonly string[] = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

const ANY_PORT = /^(https?):\/\/([^/:]+|\[[0-9a-f:.]+\]):\*$/i;

/** The origin of `value` as a browser serialises it, or undefined when `value` is not an origin (a path, credentials, a query...). */
export function normaliseOrigin(value: string): string | undefined {
  if (value.includes('*')) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  return url.origin;
}

/** True when `entry` is a valid allow-list entry (see the module doc). */
export function isOriginPattern(entry: string): boolean {
  return entry === '*' || ANY_PORT.test(entry) || normaliseOrigin(entry) !== undefined;
}

/**
 * A predicate telling whether an `Origin` header value is allowed by `patterns` (entries as in the
 * module doc; invalid entries match nothing). The literal origin `null` (sandboxed frames, `file:`
 * pages) matches only `*`.
 */
export function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set<string>();
  const anyPort: Array<{ scheme: string; host: string }> = [];
  for (const p of patterns) {
    const m = ANY_PORT.exec(p);
    if (m) anyPort.push({ scheme: `${m[1]!.toLowerCase()}:`, host: m[2]!.toLowerCase() });
    else {
      const origin = normaliseOrigin(p);
      if (origin) exact.add(origin);
    }
  }
  return (origin) => {
    const normalised = normaliseOrigin(origin);
    if (!normalised) return false;
    if (exact.has(normalised)) return true;
    const url = new URL(normalised);
    return anyPort.some((p) => p.scheme === url.protocol && p.host === url.hostname);
  };
}
