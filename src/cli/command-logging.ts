import type { ParseArgsConfig } from 'node:util';
import { chooseLogFormat, InvalidLogFormatError, type LogFormat } from '../log-format.js';
import type { Logger } from '../logger.js';
import { UsageError } from './common-flags.js';
import { rootMessage } from './root-message.js';

/** `--log-format` for the long-running commands (worker, up, demo). */
export const LOG_FORMAT_FLAG = {
  'log-format': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const LOG_FORMAT_HELP = `  --log-format F       json or pretty (default: $EXOCLAW_LOG_FORMAT, else pretty when stderr
                       is a terminal, json otherwise); level: $EXOCLAW_LOG_LEVEL`;

/** The format this command logs in; a bad `--log-format` or EXOCLAW_LOG_FORMAT is a usage error. */
export function logFormatFromFlag(flag: string | undefined): LogFormat {
  try {
    return chooseLogFormat({ flag });
  } catch (error) {
    if (error instanceof InvalidLogFormatError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Runs a long-running command. In JSON mode its stderr carries JSON lines only, so a failure is
 * reported as one `fatal` line (exit 1) rather than left to main(), which prints text. Usage
 * errors still go to main(): they come with the command's help, before anything has run.
 */
export async function reportingFailureAsLog(
  command: string,
  format: LogFormat,
  log: Logger,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (format !== 'json' || error instanceof UsageError) throw error;
    log.fatal({ errorType: (error as { name?: unknown }).name }, `exoclaw-temporal ${command}: ${rootMessage(error)}`);
    return 1;
  }
}

/**
 * Node's own warnings (a deprecated API in a dependency, a listener leak) become log records
 * instead of Node's plain-text lines on stderr. Replaces Node's printer (`--no-deprecation` is
 * still honoured); once per process.
 */
export function logProcessWarnings(log: Logger): void {
  if (warningsRouted) return;
  warningsRouted = true;
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (warning.name === 'DeprecationWarning' && (process as { noDeprecation?: boolean }).noDeprecation) return;
    log.warn({ warning: warning.name, code: warning.code }, warning.message);
  });
}

let warningsRouted = false;
