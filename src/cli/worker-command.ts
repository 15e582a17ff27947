import { createLogger, setProcessLogger, type Logger } from '../logger.js';
import { startHealthServer, workerHealth } from '../temporal/health-server.js';
import { startWorker, type RunningWorker } from '../temporal/run-worker.js';
import { installTemporalLogging, releaseTemporalRuntime } from '../temporal/temporal-logging.js';
import { loopbackCoreMetrics } from '../telemetry/core-metrics.js';
import { workerMetricsSource } from '../telemetry/metrics-endpoint.js';
import { onShutdownSignals } from './shutdown-signals.js';
import { LOG_FORMAT_FLAG, LOG_FORMAT_HELP, logFormatFromFlag, logProcessWarnings, reportingFailureAsLog } from './command-logging.js';
import { CONNECTION_FLAGS, CONNECTION_FLAGS_HELP, setupFromFlags, UsageError, type ConnectionFlagValues } from './common-flags.js';
import { durationFlag } from './duration-flag.js';
import { parseFlags } from './parse-flags.js';

export const WORKER_HELP = `Usage: exoclaw-temporal worker [flags]

Runs an agent worker: polls the task queue for the agent workflows (turns, sessions, subagents,
scheduled messages) and their activities until SIGINT/SIGTERM/SIGHUP, then stops gracefully.
Workers are stateless; run as many as you like against the same workspace and state volumes.
Several task queues (--task-queue a,b, or a list in the config) are polled at once by one
process, e.g. the Python reference's exoclaw-turn-based and exoclaw-session-based beside ours
during a migration.
  --shutdown-grace D   on a stop signal, how long running activities may finish before they are
                       cancelled and handed back to Temporal (default 10s; e.g. 500ms, 30s, 1m)
  --identity ID        worker identity shown in the Temporal UI (default pid@hostname)
  --health-port P      serve GET /livez /readyz /healthz on 0.0.0.0:P for probes, and /metrics
                       for Prometheus (default $EXOCLAW_HEALTH_PORT; off when neither is set;
                       0 = any free port)
${LOG_FORMAT_HELP}
${CONNECTION_FLAGS_HELP}
stdout: the ready line and the stop lines, as text. stderr: logs only (one JSON object per line
in json format, ISO times, level names; EXOCLAW_LOG_LEVEL=debug shows more). Traces go by
OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT when it is set (docs/worker-and-cli.md, "Traces and metrics").`;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: {
      ...CONNECTION_FLAGS,
      'shutdown-grace': { type: 'string' },
      identity: { type: 'string' },
      'health-port': { type: 'string' },
      ...LOG_FORMAT_FLAG,
    },
  });
  if (positionals.length > 0) throw new UsageError(`worker takes no arguments (got "${positionals.join(' ')}").`);
  const grace = values['shutdown-grace'] ?? '10s';
  const graceMs = durationFlag('--shutdown-grace', grace, { examples: '10s, 500ms or 1m', allowZero: true });

  const healthPort = parseHealthPort(values['health-port'], process.env['EXOCLAW_HEALTH_PORT']);
  const format = logFormatFromFlag(values['log-format']);
  const logger = createLogger({ format });
  setProcessLogger(logger); // config warnings, too, in the chosen format
  logProcessWarnings(logger);
  return reportingFailureAsLog('worker', format, logger, () => runWorker(values, { grace, graceMs, healthPort, logger }));
}

async function runWorker(
  values: ConnectionFlagValues & { identity?: string },
  opts: { grace: string; graceMs: number; healthPort: number | undefined; logger: Logger },
): Promise<number> {
  const { grace, graceMs, healthPort, logger } = opts;
  const { config, connection } = setupFromFlags(values);
  const { taskQueues } = config.temporal;
  // With a health port, Temporal's own worker metrics are exported on loopback and served in /metrics.
  const coreMetrics = healthPort === undefined ? undefined : await loopbackCoreMetrics();
  let coreMetricsUrl: string | undefined;

  let worker: RunningWorker | undefined;
  // Up before the worker: a start-up probe sees "alive, not ready" while it connects and loads workflows.
  const health =
    healthPort === undefined
      ? undefined
      : await startHealthServer({
          port: healthPort,
          ...workerHealth({
            getState: () => worker?.state() ?? 'INITIALIZED',
            getQueueStates: () => worker?.queueStates() ?? Object.fromEntries(taskQueues.map((queue) => [queue, 'INITIALIZED'])),
          }),
          metrics: workerMetricsSource({ coreMetricsUrl: () => coreMetricsUrl }),
        });

  // Installed before start-up (bundling can take a while): a signal then ends the process at
  // once, since nothing has been polled yet; once running, it starts a graceful shutdown.
  // stdout gets a line for the person who sent it; stderr the same event as a log record.
  const removeSignalHandlers = onShutdownSignals(
    (signal) => {
      if (!worker) {
        logger.info({ signal }, 'signal received before the worker started: exiting');
        console.log(`${signal} received before the worker started: exiting.`);
        process.exit(0);
      }
      logger.info({ signal, shutdownGrace: grace }, 'worker stopping');
      console.log(`${signal} received: stopping; running activities get up to ${grace}, then are handed back to Temporal.`);
      worker.stop().catch(() => undefined); // the outcome is reported through worker.done below
    },
    {
      onForce: (signal) => {
        logger.warn({ signal }, `${signal} again: exiting without waiting for running activities`);
        process.exit(1);
      },
    },
  );

  // Just before connecting: the runtime's log forwarding keeps the process alive until it shuts down.
  if (installTemporalLogging(logger, coreMetrics?.telemetry)) coreMetricsUrl = coreMetrics?.url;
  try {
    worker = await startWorker({
      config,
      connection,
      taskQueue: taskQueues,
      logger,
      shutdownGraceTime: graceMs,
      identity: values.identity,
    });
  } catch (error) {
    removeSignalHandlers();
    await health?.close();
    await releaseTemporalRuntime();
    throw error;
  }
  logger.info(
    {
      taskQueues: worker.taskQueues,
      namespace: worker.namespace,
      address: worker.address,
      workspace: worker.workspace,
      stateDir: worker.stateDir,
      model: worker.model,
      workflows: worker.workflows,
      identity: worker.identity,
      encryption: worker.encryption,
      healthUrl: health?.url,
    },
    'worker started',
  );

  const queues = worker.taskQueues.map((queue) => `"${queue}"`).join(', ');
  console.log(
    `Worker ready: task ${worker.taskQueues.length === 1 ? 'queue' : 'queues'} ${queues}, namespace "${worker.namespace}", Temporal ${worker.address}, ` +
      `workspace ${worker.workspace}, state ${worker.stateDir}, model ${worker.model}, identity ${worker.identity}, encryption ${worker.encryption}` +
      `${health ? `, health checks on ${health.url} (Prometheus: ${health.url}/metrics)` : ''}. Ctrl-C to stop.`,
  );
  try {
    await worker.done;
  } finally {
    removeSignalHandlers();
    await health?.close();
  }
  logger.info('worker stopped');
  console.log('Worker stopped.');
  return 0;
}

function parseHealthPort(flag: string | undefined, env: string | undefined): number | undefined {
  const raw = flag ?? (env?.trim() ? env.trim() : undefined);
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    const source = flag === undefined ? 'EXOCLAW_HEALTH_PORT' : '--health-port';
    throw new UsageError(`${source} needs a port number from 0 to 65535 (got "${raw}").`);
  }
  return port;
}
