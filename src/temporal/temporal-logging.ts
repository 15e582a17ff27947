import { DefaultLogger, Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;

/**
 * Sends the Temporal SDK's logs (including activity context logs, which carry workflow and
 * activity ids) through our pino logger. The runtime can be set up once per process.
 */
export function installTemporalLogging(log: Logger): void {
  if (installed) return;
  installed = true;
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const logger = new DefaultLogger('INFO', (entry) => {
    const meta: LogMetadata = { ...(entry.meta ?? {}) };
    log[levels[entry.level]](meta, entry.message);
  });
  try {
    Runtime.install({ logger });
  } catch {
    // Already created by someone else (e.g. a test harness); keep its settings.
  }
}
