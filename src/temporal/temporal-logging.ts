import {
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  type LogEntry,
  type LogLevel,
  type LogMetadata,
  type RuntimeOptions,
} from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;
let ownRuntime = false;

const TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** webpack's stats report, which the SDK logs as one multi-line string when it bundles workflows. */
const BUNDLER_STATS = /\bwebpack \d+\.\d+\.\d+ compiled\b/;

/**
 * Sends every log of the Temporal SDK through our pino logger: the TypeScript side (worker,
 * workflow and activity context logs, which carry workflow and activity ids) and the Rust core,
 * which would otherwise print plain-text lines of its own on the console. The runtime can be
 * set up once per process; `telemetry` (Core's metrics exporter) applies only if this call sets
 * it up: returns whether it did.
 * Call it just before the first Temporal connection: forwarding keeps the event loop alive until
 * the runtime shuts down, which it does once its last connection or worker closes. A runtime
 * installed by a command that then fails before connecting would keep the process from exiting.
 */
export function installTemporalLogging(log: Logger, telemetry?: RuntimeOptions['telemetryOptions']): boolean {
  if (installed) return false;
  installed = true;
  try {
    const logging = temporalRuntimeLogging(log);
    Runtime.install({ ...logging, telemetryOptions: { ...logging.telemetryOptions, ...(telemetry ?? {}) } });
    ownRuntime = true;
    return true;
  } catch {
    // Already created by someone else (e.g. a test harness); keep its settings.
    return false;
  }
}

/**
 * For a start that failed after installTemporalLogging: shuts down the runtime it installed, whose
 * log forwarding would otherwise keep the process alive waiting for a connection that never came.
 */
export async function releaseTemporalRuntime(): Promise<void> {
  if (!ownRuntime) return;
  ownRuntime = false;
  await Runtime.instance()
    .shutdown()
    .catch(() => undefined);
}

/** The logging part of the Temporal `RuntimeOptions` (merge into them when installing a runtime elsewhere). */
export function temporalRuntimeLogging(log: Logger): Required<Pick<RuntimeOptions, 'logger' | 'telemetryOptions'>> {
  return {
    logger: new DefaultLogger(sdkLevel(log.level), (entry) => forward(log, entry)),
    // Core: warnings and errors (its info and debug lines are for SDK developers).
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) } },
  };
}

function forward(log: Logger, entry: LogEntry): void {
  // The task token is a capability (it completes the activity) and unreadable: never logged.
  const { taskToken: _taskToken, ...meta }: LogMetadata = { ...(entry.meta ?? {}) };
  let level = TO_PINO[entry.level];
  let message = entry.message;
  // Dozens of lines of module sizes: debug only. "Workflow bundle created" (with its size) follows at info.
  if (level === 'info' && BUNDLER_STATS.test(message)) {
    level = 'debug';
    meta['bundlerStats'] = message;
    message = 'webpack stats of the workflow bundle';
  }
  log[level](meta, message);
}

/** The SDK filters before we see a line, so it gets our level (it has no fatal: error is the most). */
function sdkLevel(level: string): LogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    default:
      return 'ERROR';
  }
}
