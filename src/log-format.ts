/** How log lines look: `json` for machines (one pino JSON object per line), `pretty` for people. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export class InvalidLogFormatError extends Error {
  override readonly name = 'InvalidLogFormatError';
}

export interface LogFormatSources {
  /** `--log-format`, when the command has the flag. */
  flag?: string;
  /** Default process.env (reads EXOCLAW_LOG_FORMAT). */
  env?: Record<string, string | undefined>;
  /** Whether the log stream is a terminal (default: stderr is a TTY). */
  terminal?: boolean;
}

/**
 * `--log-format`, else `EXOCLAW_LOG_FORMAT`, else pretty on a terminal and JSON anywhere else
 * (a pipe, a file, a container's log collector), so machines get JSON without asking.
 */
export function chooseLogFormat(sources: LogFormatSources = {}): LogFormat {
  const env = sources.env ?? process.env;
  const fromEnv = env['EXOCLAW_LOG_FORMAT']?.trim() || undefined;
  const [value, source] = sources.flag !== undefined ? [sources.flag, '--log-format'] : [fromEnv, 'EXOCLAW_LOG_FORMAT'];
  if (value === undefined) return (sources.terminal ?? process.stderr.isTTY === true) ? 'pretty' : 'json';
  const format = value.trim().toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(format)) return format as LogFormat;
  throw new InvalidLogFormatError(`${source} must be ${LOG_FORMATS.map((f) => `"${f}"`).join(' or ')} (got "${value}").`);
}
