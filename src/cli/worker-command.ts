import { parseArgs } from 'node:util';
import { createLogger } from '../logger.js';
import { startWorker } from '../temporal/run-worker.js';
import { installTemporalLogging } from '../temporal/temporal-logging.js';
import { CONNECTION_FLAGS, CONNECTION_FLAGS_HELP, setupFromFlags, UsageError } from './common-flags.js';

export const WORKER_HELP = `Usage: exoclaw-temporal worker [flags]

Runs an agent worker: polls the task queue for AgentTurnWorkflow tasks and their activities
(buildPrompt, llmChat, executeTool, recordTurn) until SIGINT/SIGTERM. Workers are stateless;
run as many as you like against the same workspace volume.
  --shutdown-grace D   on SIGTERM, how long running activities may finish before they are
                       cancelled and handed back to Temporal (default 10s; e.g. 500ms, 30s, 1m)
  --identity ID        worker identity shown in the Temporal UI (default pid@hostname)
${CONNECTION_FLAGS_HELP}
Logs are JSON lines (pino) on stderr; EXOCLAW_LOG_LEVEL=debug shows more.`;

const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CONNECTION_FLAGS,
      'shutdown-grace': { type: 'string' },
      identity: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(WORKER_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`worker takes no arguments (got "${positionals.join(' ')}").`);
  const grace = values['shutdown-grace'] ?? '10s';
  if (!DURATION.test(grace)) {
    throw new UsageError(`--shutdown-grace needs a duration such as 10s, 500ms or 1m (got "${grace}").`);
  }

  const { config, connection, taskQueue } = setupFromFlags(values);
  const logger = createLogger();
  installTemporalLogging(logger);

  const worker = await startWorker({
    config,
    connection,
    taskQueue,
    logger,
    shutdownGraceTime: grace,
    identity: values.identity,
  });

  logger.info({ workflows: worker.workflows, identity: worker.identity }, 'worker started');

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      console.error(`${signal} again: exiting without waiting for running activities.`);
      process.exit(1);
    }
    console.log(`${signal} received: stopping; running activities get up to ${grace}, then are handed back to Temporal.`);
    worker.stop().catch(() => undefined); // the outcome is reported through worker.done below
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  console.log(
    `Worker ready: task queue "${worker.taskQueue}", namespace "${worker.namespace}", Temporal ${worker.address}, ` +
      `workspace ${worker.workspace}, model ${worker.model}, identity ${worker.identity}. Ctrl-C to stop.`,
  );
  try {
    await worker.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  console.log('Worker stopped.');
  return 0;
}
