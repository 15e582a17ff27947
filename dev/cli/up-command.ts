import { join } from 'node:path';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../../src/temporal/connection.js';
import { CODEC_TOKEN_FILE, displayPath, startLocalStack, type LocalStack, type LocalStackOptions } from '../local-stack/local-stack.js';
import { packageRoot } from '../../src/package-root.js';
import { UsageError } from '../../src/cli/common-flags.js';
import { parseFlags } from '../../src/cli/parse-flags.js';
import { onShutdownSignals } from '../../src/cli/shutdown-signals.js';
import { logProcessWarnings, reportingFailureAsLog } from '../../src/cli/command-logging.js';
import { createLogger, setProcessLogger, type Logger } from '../../src/logger.js';
import { GATEWAY_TOKEN_FILE } from '../local-stack/local-gateway.js';
import { LOCAL_STACK_FLAGS, LOCAL_STACK_FLAGS_HELP, localStackOptions } from './local-stack-flags.js';

export const UP_HELP = `Usage: exoclaw-temporal up [flags]      (npm start)

Brings up a local stack and keeps it running until Ctrl-C (or SIGTERM, or the terminal closing):
a Temporal dev server with SQLite history under .exoclaw/ and the Web UI, a codec server the Web
UI decodes payloads through (it shows prompts, model inputs and tool outputs), one worker, the
gateway (web chat page, HTTP API, OpenAI-compatible /v1; its local token is printed), and the
scripted LLM when no API key is set. Progress and the banner go to stdout; the worker's logs
to stderr. Then, from another shell: exoclaw-temporal turn --session s1 "hi"
${LOCAL_STACK_FLAGS_HELP}`;

export async function upCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({ args: argv, allowPositionals: true, options: LOCAL_STACK_FLAGS });
  if (positionals.length > 0) throw new UsageError(`up takes no arguments (got "${positionals.join(' ')}").`);
  const options = localStackOptions(values);
  const format = options.logFormat ?? 'json';
  const logger = createLogger({ level: process.env['EXOCLAW_LOG_LEVEL'] ?? 'warn', format });
  setProcessLogger(logger);
  logProcessWarnings(logger);
  return reportingFailureAsLog('up', format, logger, () => runStack(options, logger));
}

async function runStack(options: LocalStackOptions, logger: Logger): Promise<number> {
  // A signal that arrives while the stack is still starting stops it as soon as it is up.
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((resolveSignal) => {
    onSignal = resolveSignal;
  });
  const removeSignalHandlers = onShutdownSignals((name) => onSignal(name));

  let stack: LocalStack;
  try {
    stack = await startLocalStack({ ...options, logger, progress: (line) => console.log(`• ${line}`) });
  } catch (error) {
    removeSignalHandlers();
    throw error;
  }
  console.log(readyBanner(stack));

  const outcome = await Promise.race([
    signal.then((name) => ({ kind: 'signal' as const, name })),
    stack.worker.done.then(
      () => ({ kind: 'worker-stopped' as const }),
      (error: unknown) => ({ kind: 'worker-failed' as const, error }),
    ),
  ]);
  if (outcome.kind === 'signal') console.log(`\n${outcome.name}: stopping the local stack…`);
  else if (outcome.kind === 'worker-failed') logger.error({ err: outcome.error }, 'the worker failed; stopping the local stack');
  try {
    await stack.stop();
  } finally {
    removeSignalHandlers();
  }
  console.log('Stopped.');
  return outcome.kind === 'worker-failed' ? 1 : 0;
}

function readyBanner(stack: LocalStack): string {
  const flags: string[] = [];
  const localDefault = stack.address === DEFAULT_TEMPORAL_ADDRESS || stack.address.endsWith(':7233');
  if (!localDefault) flags.push(`--temporal-url ${stack.address}`);
  if (stack.namespace !== DEFAULT_NAMESPACE) flags.push(`--namespace ${stack.namespace}`);
  if (stack.taskQueue !== DEFAULT_TASK_QUEUE) flags.push(`--task-queue ${stack.taskQueue}`);
  const extra = flags.length ? ` ${flags.join(' ')}` : '';
  // The example reads the worker's workspace to check the file it asked for.
  const exampleWorkspace =
    stack.workspace === join(packageRoot(), '.exoclaw', 'workspace') ? '' : ` --workspace ${displayPath(stack.workspace)}`;
  return [
    '',
    'exoclaw-temporal is up.',
    `  Temporal     ${stack.address} (namespace ${stack.namespace})${stack.startedServer ? '' : ' — attached, not started here'}`,
    `  Web UI       ${stack.uiUrl ?? '(none)'}`,
    ...(stack.codec ? [`  Codec        ${stack.codec.url} (the Web UI decodes through it; token in ${displayPath(join(stack.root, CODEC_TOKEN_FILE))})`] : []),
    ...(stack.gateway
      ? [
          `  Gateway      ${stack.gateway.gateway.url} (web chat page; API and OpenAI-compatible ${stack.gateway.gateway.url}/v1)`,
          `  Local token  ${stack.gateway.token} (kept in ${displayPath(join(stack.root, GATEWAY_TOKEN_FILE))})`,
        ]
      : []),
    ...(stack.channels ? [`  Channels     ${stack.channels.adapters.join(', ')} (HTTP ${stack.channels.url}; docs/channels.md)`] : []),
    `  Task queue   ${stack.taskQueue}`,
    `  Workspace    ${displayPath(stack.workspace)}`,
    `  State        ${displayPath(stack.config.agents.defaults.stateDir)} (exoclaw-temporal gc sweeps it)`,
    `  Model        ${stack.model}${stack.llm ? ` (scripted LLM at ${stack.llm.url})` : ''}`,
    '',
    'In another shell:',
    `  npx exoclaw-temporal turn --session s1 "hi"${extra}`,
    `  npx tsx examples/turn-based.ts${extra}${exampleWorkspace}`,
    ...(stack.gateway
      ? [`  curl -N -H "Authorization: Bearer $(cat ${displayPath(join(stack.root, GATEWAY_TOKEN_FILE))})" ${stack.gateway.gateway.url}/v1/sessions/s1/events`]
      : []),
    '',
    'Ctrl-C to stop.',
  ].join('\n');
}
