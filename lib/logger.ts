import pino from 'pino';

/** Structured JSON logger (pino). */
export type Logger = pino.Logger;

/**
 * Creates the root logger of a process: JSON lines with ISO times.
 * @param name the process role, for example `gateway`.
 * @param level a pino level (`info`, `debug`, `silent`, ...; the configuration's `LOG_LEVEL`).
 */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}
