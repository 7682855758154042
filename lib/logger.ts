import pino from 'pino';
import pretty from 'pino-pretty';
import { logFieldsOfRequestContext } from './observability/request-context';
import { scrubSecrets } from './observability/redaction';

/** Structured logger (pino). */
export type Logger = pino.Logger;

/** How log lines are written: `json` (one JSON object per line, for machines) or `pretty` (pino-pretty, for people). */
export type LogFormat = 'json' | 'pretty';

/**
 * Paths pino censors wherever they occur in a log object (pino's `redact`): credentials, tokens,
 * passwords, secrets and connection URLs. Values become `[REDACTED]`.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  '*.authorization',
  '*.*.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'internalSecret',
  '*.internalSecret',
  'connectionParams',
  '*.connectionParams',
  'databaseUrl',
  '*.databaseUrl',
];

/**
 * Creates the root logger of a process: JSON lines with ISO times, or the same records written
 * for people by pino-pretty (`format: 'pretty'`, the development default of `LOG_FORMAT`;
 * synchronous, so lines keep their order with what the process prints itself). Every line written while a
 * request or event runs carries its correlation fields (request id, trace id, tenant, user,
 * operation name: lib/observability/request-context.ts); {@link REDACTED_PATHS} are censored and
 * bearer tokens, JWTs and passwords in URLs are scrubbed from every string value (tested in
 * test/unit/observability/redaction.test.ts).
 * @param name the process role, for example `gateway`.
 * @param level a pino level (`info`, `debug`, `silent`, ...; the configuration's `LOG_LEVEL`).
 * @param options `format` (default `json`) and `destination`, where lines go (default stdout;
 *   tests capture them).
 */
export function createLogger(name: string, level: string, opts: { format?: LogFormat; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: logFieldsOfRequestContext,
    redact: { paths: [...REDACTED_PATHS], censor: '[REDACTED]' },
    formatters: { log: (object) => scrubSecrets(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        // The message itself (a string argument) is scrubbed too.
        method.apply(this, args.map((a) => (typeof a === 'string' ? (scrubSecrets(a) as string) : a)) as Parameters<typeof method>);
      },
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.format === 'pretty') {
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
