import pino from 'pino';
import pretty from 'pino-pretty';

/** Structured logger (pino). */
export type Logger = pino.Logger;

/** How log lines are written: `json` (one JSON object per line, for machines) or `pretty` (pino-pretty, for people). */
export type LogFormat = 'json' | 'pretty';

/**
 * Creates the root logger of a process: JSON lines with ISO times, or the same records written
 * for people by pino-pretty (`format: 'pretty'`, the development default of `LOG_FORMAT`;
 * synchronous, so lines keep their order with what the process prints itself).
 * @param name the process role, for example `gateway`.
 * @param level a pino level (`info`, `debug`, `silent`, ...; the configuration's `LOG_LEVEL`).
 */
export function createLogger(name: string, level: string, format: LogFormat = 'json'): Logger {
  const options = { name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'pretty') {
    return pino(
      options,
      pretty({
        sync: true,
        colorize: process.stdout.isTTY === true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        singleLine: true,
      }),
    );
  }
  return pino(options);
}
