import pino from 'pino';

/** Structured JSON logger (pino). Level from `LOG_LEVEL`; silent under tests unless set. */
export type Logger = pino.Logger;

/** Creates the root logger of a process; `name` is the process role, for example `gateway`. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info')): Logger {
  return pino({ name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}
