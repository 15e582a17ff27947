import { pino, type Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Keys and auth headers must never reach a log
 * line; prompt bodies stay at debug level by convention (never log messages at info).
 */
const REDACT_PATHS = [
  'apiKey',
  'api_key',
  '*.apiKey',
  '*.api_key',
  '*.*.apiKey',
  '*.*.*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  // A client's per-message context (user details, say) is its data, not the operator's to read.
  'pluginContext',
  '*.pluginContext',
  '*.*.pluginContext',
  'plugin_context',
  '*.plugin_context',
  '*.*.plugin_context',
];

/** Replaces anything that looks like a provider key inside free text. */
const SECRET_PATTERN = /\b(sk-[A-Za-z0-9_-]{8,}|sk-ant-[A-Za-z0-9_-]{8,}|xox[abp]-[A-Za-z0-9-]{8,}|AIza[0-9A-Za-z_-]{20,})/g;

export function scrubSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, '[REDACTED]');
}

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where lines go; defaults to stderr so stdout stays clean for command output. */
  destination?: NodeJS.WritableStream | { write(line: string): void };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.EXOCLAW_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info';
  const destination = opts.destination ?? pino.destination(2);
  return pino(
    {
      name: opts.name ?? 'exoclaw-temporal',
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: {
        // Free-text messages can carry a key pasted into an error string.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      formatters: {
        log(object) {
          const err = object.err as { message?: unknown } | undefined;
          if (err && typeof err.message === 'string') err.message = scrubSecrets(err.message);
          return object;
        },
      },
    },
    destination as pino.DestinationStream,
  );
}

let shared: Logger | undefined;

/** The process-wide logger. */
export function logger(): Logger {
  shared ??= createLogger();
  return shared;
}

export type { Logger };
