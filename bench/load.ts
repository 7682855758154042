/**
 * Load generation over `node:http` with keep-alive: a closed loop (N connections, each sending its
 * next request when the previous answer arrived: peak throughput) and an open loop (requests issued
 * on a fixed schedule whatever the answers do; latency measured from the scheduled send time, so a
 * stall is charged to every request it delays and coordinated omission cannot hide it). Every
 * response goes through a check; a wrong or error-carrying response counts as a failure.
 */
import { Agent, request } from 'node:http';

/** Decides whether a response is correct. */
export type ResponseCheck = (status: number, body: string) => boolean;

/** A GraphQL POST to send. */
export interface LoadTarget {
  url: string;
  body: string;
  headers?: Record<string, string>;
  check: ResponseCheck;
}

/** What a load run measured. */
export interface LoadResult {
  ok: number;
  failed: number;
  /** Wall-clock seconds of the run. */
  seconds: number;
  /** Latencies of correct responses, ms, sorted ascending. */
  latenciesMs: number[];
  /** First failure seen, for the report. */
  firstFailure?: string;
}

function send(agent: Agent, target: LoadTarget, url: URL, payload: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        method: 'POST',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, ...target.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Percentile `p` (0-100) of ascending `sorted`, nearest rank; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

class Recorder {
  ok = 0;
  failed = 0;
  latencies: number[] = [];
  firstFailure?: string;
  record(status: number, body: string, check: ResponseCheck, latencyMs: number): void {
    if (check(status, body)) {
      this.ok++;
      this.latencies.push(latencyMs);
    } else {
      this.failed++;
      this.firstFailure ??= `HTTP ${status}: ${body.slice(0, 300)}`;
    }
  }
  fail(err: unknown): void {
    this.failed++;
    this.firstFailure ??= err instanceof Error ? err.message : String(err);
  }
  result(seconds: number): LoadResult {
    return {
      ok: this.ok,
      failed: this.failed,
      seconds,
      latenciesMs: this.latencies.sort((a, b) => a - b),
      firstFailure: this.firstFailure,
    };
  }
}

/**
 * `connections` senders on one keep-alive agent, each sending `take()`'s next target as soon as its
 * previous answer arrived, until `take()` answers undefined (every target must have the same `url`).
 */
async function senders(connections: number, url: string, take: () => LoadTarget | undefined, payload?: Buffer): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(url);
  const rec = new Recorder();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let t = take(); t; t = take()) {
        const t0 = performance.now();
        try {
          const { status, body } = await send(agent, t, u, payload ?? Buffer.from(t.body));
          rec.record(status, body, t.check, performance.now() - t0);
        } catch (err) {
          rec.fail(err);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return rec.result(seconds);
}

/**
 * Closed loop: `connections` concurrent senders for `durationMs`. `target` may be a function called
 * before each request (traffic spread over many tenants); every target must have the same `url`.
 */
export async function closedLoop(target: LoadTarget | (() => LoadTarget), connections: number, durationMs: number): Promise<LoadResult> {
  const next = typeof target === 'function' ? target : () => target;
  const end = performance.now() + durationMs;
  const fixed = typeof target === 'function' ? undefined : Buffer.from(target.body);
  return senders(connections, next().url, () => (performance.now() < end ? next() : undefined), fixed);
}

/** Each of `targets` once, in order, `connections` at a time (every target must have the same `url`). */
export async function eachOnce(targets: readonly LoadTarget[], connections: number): Promise<LoadResult> {
  if (!targets.length) return new Recorder().result(0);
  let i = 0;
  return senders(connections, targets[0]!.url, () => targets[i++]);
}

/**
 * Open loop: `rate` requests per second for `durationMs`, on schedule; latency from the scheduled
 * time. Waits for the stragglers (up to 10 s) before returning.
 */
export async function openLoop(target: LoadTarget, rate: number, durationMs: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const url = new URL(target.url);
  const payload = Buffer.from(target.body);
  const rec = new Recorder();
  const total = Math.floor((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  let issued = 0;
  while (issued < total) {
    const now = performance.now();
    while (issued < total && start + issued * interval <= now) {
      const scheduled = start + issued * interval;
      issued++;
      const p: Promise<void> = send(agent, target, url, payload)
        .then(({ status, body }) => rec.record(status, body, target.check, performance.now() - scheduled))
        .catch((err: unknown) => rec.fail(err))
        .finally(() => pending.delete(p));
      pending.add(p);
    }
    const next = start + issued * interval - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(next, 5))));
  }
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 10_000))]);
  const seconds = (performance.now() - start) / 1000;
  rec.failed += pending.size;
  agent.destroy();
  return rec.result(seconds);
}

/**
 * One GraphQL POST to `url` with a bearer `token`; resolves with the response's `data`.
 * @throws Error when the answer is not HTTP 200 or carries `errors`.
 */
export async function postGraphQL<T>(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  });
  const text = await res.text();
  const body = (res.status === 200 ? JSON.parse(text) : {}) as { data?: T; errors?: unknown[] };
  if (res.status !== 200 || body.errors || !body.data) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return body.data;
}
