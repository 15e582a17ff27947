import { DefaultLogger, Runtime, type LogLevel, type LogMetadata, type RuntimeOptions } from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;

/**
 * Sends the Temporal SDK's logs (including activity context logs, which carry workflow and
 * activity ids) through our pino logger. The runtime can be set up once per process; `telemetry`
 * (Core's metrics exporter) applies only if this call sets it up: returns whether it did.
 */
export function installTemporalLogging(log: Logger, telemetry?: RuntimeOptions['telemetryOptions']): boolean {
  if (installed) return false;
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
    Runtime.install({ logger, ...(telemetry ? { telemetryOptions: telemetry } : {}) });
    return true;
  } catch {
    // Already created by someone else (e.g. a test harness); keep its settings.
    return false;
  }
}
