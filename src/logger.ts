import pinoPretty from 'pino-pretty';
import { pino, type Logger } from 'pino';
import { chooseLogFormat, type LogFormat } from './log-format.js';

/**
 * Paths pino blanks out wherever they appear. Keys and auth headers must never reach a log
 * line; prompt bodies stay at debug level by convention (never log messages at info).
 * Activity task tokens are capabilities (anyone holding one can complete the activity).
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
  'taskToken',
  '*.taskToken',
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

/** Something pino can write lines to. */
type LineSink = { write(line: string): unknown };

export interface LoggerOptions {
  level?: string;
  name?: string;
  /**
   * `json` (default): one JSON object per line, ISO `time`, `level` as a label.
   * `pretty`: the same records, one readable line each, for a person at a terminal.
   */
  format?: LogFormat;
  /** Where lines go; defaults to stderr so stdout stays clean for command output. */
  destination?: NodeJS.WritableStream | LineSink;
  /** Colour the pretty format (default: the destination is stderr and stderr is a colour terminal). */
  colorize?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.EXOCLAW_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info';
  const json: LineSink = opts.destination ?? stderrSink();
  const destination = opts.format === 'pretty' ? prettySink(json, opts.colorize ?? (!opts.destination && colourTerminal())) : json;
  return pino(
    {
      name: opts.name ?? 'exoclaw-temporal',
      level,
      // `"time":"2026-05-01T12:00:00.000Z"` and `"level":"info"`: readable without a lookup table.
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: {
        // Free-text messages can carry a key pasted into an error string.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      formatters: {
        level: (label) => ({ level: label }),
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

/**
 * Synchronous writes to fd 2 (nothing is lost at exit). A closed terminal (EIO, after SIGHUP)
 * or a reader that went away (EPIPE) must not crash the process mid-shutdown: lines are dropped.
 */
function stderrSink(): LineSink {
  const stream = pino.destination({ dest: 2, sync: true });
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EIO' && error.code !== 'EPIPE') throw error;
  });
  return stream;
}

function colourTerminal(): boolean {
  return process.stderr.isTTY === true && !process.env['NO_COLOR'] && process.stderr.hasColors?.() !== false;
}

/** Each JSON line pino writes, turned into one readable line: `[2026-05-01T14:00:00.000+02:00] INFO: worker started {…}`. */
function prettySink(out: LineSink, colorize: boolean): LineSink {
  const prettify = pinoPretty.prettyFactory({
    colorize,
    translateTime: "SYS:yyyy-mm-dd'T'HH:MM:ss.lp",
    ignore: 'pid,hostname,name',
    singleLine: true,
    // Only real errors (with a stack) get lines of their own; the SDK's small `error` objects stay inline.
    errorLikeObjectKeys: ['err'],
  });
  return { write: (line: string) => out.write(prettify(line)) };
}

let shared: Logger | undefined;

/**
 * The process-wide logger (for code without one of its own, such as config warnings): in
 * EXOCLAW_LOG_FORMAT, else pretty on a terminal. A command that logs sets its own (setProcessLogger).
 */
export function logger(): Logger {
  shared ??= createLogger({ format: formatOrJson() });
  return shared;
}

/** A bad EXOCLAW_LOG_FORMAT is reported by the commands that log; a stray warning falls back to JSON. */
function formatOrJson(): LogFormat {
  try {
    return chooseLogFormat();
  } catch {
    return 'json';
  }
}

/** Makes `log` the process-wide logger, so early lines (config warnings) use the command's format. */
export function setProcessLogger(log: Logger): void {
  shared = log;
}

export type { Logger };
