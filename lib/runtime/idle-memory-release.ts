/**
 * Gives memory back to the operating system once a process goes idle after a load burst.
 *
 * Why: V8 keeps the pages a burst made it allocate (its page pool) resident after ordinary garbage
 * collections, even once the heap they held is garbage: measured on Node 24, a process whose heap
 * went from 330 MiB back to 5 MiB kept 500 MiB resident until a memory-reducing collection. V8 runs
 * such a collection by itself (its "memory reducer") only when the allocation rate stays low, which
 * a server whose pollers and heartbeats keep allocating may never reach. So RSS climbed on every
 * burst and stayed there.
 *
 * What: every `checkIntervalMs` this compares the event loop's utilization
 * (`performance.eventLoopUtilization`, Node's `perf_hooks`) with `idleUtilization` and looks whether
 * any work arrived (an HTTP request, a live update, a consumed or relayed event: ./work-signal.ts);
 * an interval counts as idle only when neither happened, so a process serving light traffic at low
 * utilization is never paused. Once the loop was idle for `idleMs` in a row and RSS grew by
 * `minGrowthBytes` or more since the last release (or the start), it runs one memory-reducing full
 * collection (V8's `gc({ type: 'major', flavor: 'last-resort' })`, the collection V8 runs before
 * giving up on an allocation). It pauses the event loop (150-250 ms for a 70 MiB live heap in the
 * unit test, about 390 ms for the 680 MiB supergraph of the subscriptions benchmark), which is why it
 * waits for an idle loop and runs at most once per growth.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger';
import { METRIC_PREFIX } from '../observability/metrics-registry';
import { countWork } from './work-signal';

/** Options of {@link startIdleMemoryRelease}. */
export interface IdleMemoryReleaseOptions {
  /** How long the event loop must stay idle before a release, ms (`MEMORY_RELEASE_IDLE_MS`). */
  idleMs: number;
  /** Event-loop utilization (0..1) under which an interval counts as idle (default 0.1). */
  idleUtilization?: number;
  /** Least RSS growth since the last release (or the start) worth a release, bytes (default 64 MiB). */
  minGrowthBytes?: number;
  /** How often utilization and RSS are checked, ms (default 1,000). */
  checkIntervalMs?: number;
  /** Where each release is logged (info: RSS before and after, pause). */
  logger?: Logger;
  /**
   * Where `supergraph_memory_releases_total` and `supergraph_memory_release_pause_seconds_total` are
   * registered (the process's registry: lib/observability/metrics-registry.ts). One release per
   * registry: prom-client refuses a second metric of the same name.
   */
  registry?: Registry;
}

/** What one release did. */
export interface MemoryRelease {
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** How long the collection paused the event loop, ms. */
  pauseMs: number;
}

/** A running {@link startIdleMemoryRelease}. */
export interface IdleMemoryRelease {
  /** Releases done so far. */
  readonly releases: number;
  /** Checks done so far (one per `checkIntervalMs`). */
  readonly checks: number;
  /** Stops checking (idempotent). */
  stop(): void;
}

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

let gcFunction: GcFunction | undefined;

/**
 * V8's `gc` function: the global one when Node runs with `--expose-gc`, else obtained once from a
 * fresh context created while the flag is set (`v8.setFlagsFromString('--expose-gc')`, then
 * `vm.runInNewContext('gc')`, then the flag is cleared), so the application's global scope gains nothing.
 */
function v8Gc(): GcFunction {
  if (gcFunction) return gcFunction;
  const global = (globalThis as { gc?: GcFunction }).gc;
  if (typeof global === 'function') return (gcFunction = global);
  setFlagsFromString('--expose-gc');
  try {
    gcFunction = runInNewContext('gc') as GcFunction;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return gcFunction;
}

/**
 * Runs one memory-reducing full collection now and reports what it did. Blocks the event loop while
 * it runs (hundreds of ms on a heap of a few hundred MiB; see the module doc).
 */
export function releaseMemory(): MemoryRelease {
  const rssBeforeBytes = process.memoryUsage.rss();
  const started = performance.now();
  v8Gc()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  const pauseMs = performance.now() - started;
  return { rssBeforeBytes, rssAfterBytes: process.memoryUsage.rss(), pauseMs };
}

/** Starts the idle checks (see the module doc); its timer does not keep the process alive. */
export function startIdleMemoryRelease(options: IdleMemoryReleaseOptions): IdleMemoryRelease {
  const idleUtilization = options.idleUtilization ?? 0.1;
  const minGrowthBytes = options.minGrowthBytes ?? 64 * 1024 * 1024;
  const checkIntervalMs = options.checkIntervalMs ?? 1000;
  let baselineBytes = process.memoryUsage.rss();
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const work = countWork();
  let lastWork = work.count;
  let idleSince: number | undefined;
  let releases = 0;
  let checks = 0;
  const registers = options.registry ? [options.registry] : [];
  const releasesTotal = new Counter({
    name: `${METRIC_PREFIX}memory_releases_total`,
    help: 'Memory-reducing collections run when idle after RSS grew',
    registers,
  });
  const pauseTotal = new Counter({
    name: `${METRIC_PREFIX}memory_release_pause_seconds_total`,
    help: 'Event-loop pause of those collections',
    registers,
  });
  const timer = setInterval(() => {
    checks++;
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    const worked = work.count !== lastWork;
    lastWork = work.count;
    if (worked || utilization >= idleUtilization) {
      idleSince = undefined;
      return;
    }
    const at = performance.now();
    idleSince ??= at - checkIntervalMs;
    if (at - idleSince < options.idleMs) return;
    const rss = process.memoryUsage.rss();
    if (rss - baselineBytes < minGrowthBytes) {
      baselineBytes = Math.min(baselineBytes, rss);
      return;
    }
    const release = releaseMemory();
    releases++;
    releasesTotal.inc();
    pauseTotal.inc(release.pauseMs / 1000);
    baselineBytes = release.rssAfterBytes;
    last = performance.eventLoopUtilization(); // the pause is not load
    options.logger?.info(
      {
        rssBeforeMiB: Math.round(release.rssBeforeBytes / 1048576),
        rssAfterMiB: Math.round(release.rssAfterBytes / 1048576),
        pauseMs: Math.round(release.pauseMs),
      },
      'idle: released memory',
    );
  }, checkIntervalMs);
  timer.unref();
  return {
    get releases() {
      return releases;
    },
    get checks() {
      return checks;
    },
    stop: () => {
      clearInterval(timer);
      work.stop();
    },
  };
}
