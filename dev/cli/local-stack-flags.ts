import type { ParseArgsConfig } from 'node:util';
import type { LocalStackOptions } from '../local-stack/local-stack.js';
import { UsageError } from '../../src/cli/common-flags.js';
import { LOG_FORMAT_FLAG, logFormatFromFlag } from '../../src/cli/command-logging.js';

/** Flags shared by `up` and `demo`, which both bring up the local stack. */
export const LOCAL_STACK_FLAGS = {
  config: { type: 'string' },
  root: { type: 'string' },
  port: { type: 'string' },
  'ui-port': { type: 'string' },
  'codec-port': { type: 'string' },
  'gateway-port': { type: 'string' },
  'no-gateway': { type: 'boolean' },
  headless: { type: 'boolean' },
  attach: { type: 'boolean' },
  workspace: { type: 'string' },
  model: { type: 'string' },
  'task-queue': { type: 'string' },
  ...LOG_FORMAT_FLAG,
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const LOCAL_STACK_FLAGS_HELP = `Flags:
  --root DIR         where the SQLite history and default workspace live (default <project>/.exoclaw)
  --port P           Temporal frontend port (default 7233, else a free one; 0 = any free port)
  --attach           use a Temporal server already listening on that port; without it, one this
                     command did not start is refused (it may be another project's)
  --ui-port P        Web UI port (default 8233 when free; 0 = any free port)
  --codec-port P     codec server the Web UI decodes through (default 8234 when free; 0 = any free port)
  --gateway-port P   the gateway: web chat page, HTTP API, OpenAI-compatible /v1 (default 8787
                     when free; 0 = any free port)
  --no-gateway       no gateway
  --headless         no Web UI
  --workspace DIR    workspace volume (default: configured one, else <root>/workspace)
  --model M          e.g. anthropic/claude-sonnet-4-6 (default: from API keys, else the scripted LLM)
  --task-queue Q     (default: $EXOCLAW_TASK_QUEUE, config, "exoclaw-temporal")
  --config FILE      config file (default: $EXOCLAW_CONFIG, else ~/.nanobot/config.json)
  --log-format F     json or pretty (default: $EXOCLAW_LOG_FORMAT, else pretty when stderr is a
                     terminal, json otherwise); the worker logs warnings and errors
                     (EXOCLAW_LOG_LEVEL=info shows more)
$TEMPORAL_ADDRESS set: that server is used instead of starting one.`;

export interface LocalStackFlagValues {
  config?: string;
  root?: string;
  port?: string;
  'ui-port'?: string;
  'codec-port'?: string;
  'gateway-port'?: string;
  'no-gateway'?: boolean;
  headless?: boolean;
  attach?: boolean;
  workspace?: string;
  model?: string;
  'task-queue'?: string;
  'log-format'?: string;
}

export function localStackOptions(values: LocalStackFlagValues): LocalStackOptions {
  return {
    configPath: values.config,
    root: values.root,
    port: portFlag('--port', values.port),
    uiPort: portFlag('--ui-port', values['ui-port']),
    codecPort: portFlag('--codec-port', values['codec-port']),
    gatewayPort: portFlag('--gateway-port', values['gateway-port']),
    gateway: !values['no-gateway'],
    ui: !values.headless,
    attach: values.attach,
    workspace: values.workspace,
    model: values.model,
    taskQueue: values['task-queue'],
    logFormat: logFormatFromFlag(values['log-format']),
  };
}

function portFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`${flag} needs a port number from 0 to 65535 (got "${value}").`);
  return port;
}
