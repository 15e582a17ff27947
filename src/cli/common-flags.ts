import type { ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { loadEncryptionKeys } from '../encryption/load-encryption-keys.js';
import { resolveConnection, type ResolvedConnection } from '../temporal/connection.js';

/** Flags every command that talks to Temporal accepts. */
export const CONNECTION_FLAGS = {
  config: { type: 'string' },
  'temporal-url': { type: 'string' },
  namespace: { type: 'string' },
  'task-queue': { type: 'string' },
  workspace: { type: 'string' },
  'state-dir': { type: 'string' },
  model: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Flags of the commands that read the state root without talking to Temporal (gc, usage, migrate, …). */
export const STATE_ROOT_FLAGS = {
  config: CONNECTION_FLAGS.config,
  workspace: CONNECTION_FLAGS.workspace,
  'state-dir': CONNECTION_FLAGS['state-dir'],
  help: CONNECTION_FLAGS.help,
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_FLAGS_HELP = `Connection flags:
  --config FILE          config file (default: $EXOCLAW_CONFIG, else ~/.nanobot/config.json)
  --temporal-url H:P     Temporal frontend: host:port, http://host:port, or https://host:port
                         for TLS (default: $TEMPORAL_ADDRESS, config, localhost:7233)
  --namespace NS         Temporal namespace (default: $TEMPORAL_NAMESPACE, config, "default")
  --task-queue Q         task queue (default: $EXOCLAW_TASK_QUEUE, config, "exoclaw-temporal");
                         a worker polls several given as a,b; clients start on the first
  --workspace DIR        the agent's shared workspace volume (default: config, ~/.exoclaw/workspace;
                         ~/.nanobot/workspace for ~/.nanobot/config.json)
  --state-dir DIR        the runtime's state, apart from the workspace (default: config, <workspace>.state)
  --model M              model, e.g. anthropic/claude-sonnet-4-6, openai/gpt-4.1, ollama/llama3.2
Temporal Cloud / TLS / API key: the standard TEMPORAL_API_KEY, TEMPORAL_TLS_* and
TEMPORAL_PROFILE environment configuration is honoured.`;

export interface ConnectionFlagValues {
  config?: string;
  'temporal-url'?: string;
  namespace?: string;
  'task-queue'?: string;
  workspace?: string;
  'state-dir'?: string;
  model?: string;
}

export interface CommandSetup {
  config: Config;
  connection: ResolvedConnection;
  taskQueue: string;
  /** Payload encryption keys shared with the workers, when configured. */
  encryption: EncryptionKeyRing | undefined;
}

/** Config warnings (an unknown key, say) from commands a person runs: a plain line on stderr. */
export function warnOnStderr(message: string): void {
  console.error(`warning: ${message}`);
}

/**
 * Config file < environment < flags, then where Temporal is and the payload encryption keys.
 * `onWarning` gets non-fatal config findings (default: the logger, as the worker wants).
 */
export function setupFromFlags(values: ConnectionFlagValues, opts: { onWarning?: (message: string) => void } = {}): CommandSetup {
  const config = loadConfig({
    path: values.config,
    onWarning: opts.onWarning,
    overrides: {
      agents: { defaults: { workspace: values.workspace, stateDir: values['state-dir'], model: values.model } },
      temporal: { address: values['temporal-url'], namespace: values.namespace, taskQueue: values['task-queue'] },
    },
  });
  const connection = resolveConnection(
    { address: values['temporal-url'], namespace: values.namespace },
    { address: config.temporal.address, namespace: config.temporal.namespace },
  );
  if (!connection.apiKey && config.temporal.apiKey) {
    connection.apiKey = config.temporal.apiKey;
    connection.tls ??= true;
  }
  const encryption = loadEncryptionKeys(config.security.encryption);
  return { config, connection, taskQueue: config.temporal.taskQueue, encryption };
}

/** A usage error: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
