/**
 * Environment variables that override the config file (and are overridden by CLI flags).
 * Each entry is documented in docs/workspace-and-config.md; keep the two in step.
 */

import { PROVIDER_ENV_VARS } from '../providers/provider-table.js';

export type EnvKind = 'string' | 'number' | 'boolean';

export interface EnvOverride {
  name: string;
  kind: EnvKind;
  /** The config paths this variable sets, with their values. */
  apply(value: unknown): [string[], unknown][];
}

const to =
  (...path: string[]) =>
  (value: unknown): [string[], unknown][] => [[path, value]];

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { name: 'EXOCLAW_WORKSPACE', kind: 'string', apply: to('agents', 'defaults', 'workspace') },
  { name: 'EXOCLAW_STATE_DIR', kind: 'string', apply: to('agents', 'defaults', 'stateDir') },
  { name: 'EXOCLAW_MODEL', kind: 'string', apply: to('agents', 'defaults', 'model') },
  { name: 'EXOCLAW_TEMPERATURE', kind: 'number', apply: to('agents', 'defaults', 'temperature') },
  { name: 'EXOCLAW_MAX_TOKENS', kind: 'number', apply: to('agents', 'defaults', 'maxTokens') },
  { name: 'EXOCLAW_MAX_TOOL_ITERATIONS', kind: 'number', apply: to('agents', 'defaults', 'maxToolIterations') },
  { name: 'EXOCLAW_MEMORY_WINDOW', kind: 'number', apply: to('agents', 'defaults', 'memoryWindow') },
  { name: 'EXOCLAW_CONTEXT_WINDOW_TOKENS', kind: 'number', apply: to('agents', 'defaults', 'contextWindowTokens') },
  { name: 'EXOCLAW_REASONING_EFFORT', kind: 'string', apply: to('agents', 'defaults', 'reasoningEffort') },
  { name: 'EXOCLAW_TIMEZONE', kind: 'string', apply: to('agents', 'defaults', 'timezone') },
  ...providerEnvOverrides(),
  { name: 'EXOCLAW_EXEC_TIMEOUT', kind: 'number', apply: to('tools', 'exec', 'timeout') },
  { name: 'EXOCLAW_EXEC_ISOLATION', kind: 'string', apply: to('tools', 'exec', 'isolation') },
  {
    name: 'EXOCLAW_SANDBOX_URL',
    kind: 'string',
    apply: (value) => [
      [['tools', 'exec', 'sandbox', 'url'], value],
      [['tools', 'exec', 'sandbox', 'enabled'], true],
    ],
  },
  { name: 'EXOCLAW_RESTRICT_TO_WORKSPACE', kind: 'boolean', apply: to('tools', 'restrictToWorkspace') },
  { name: 'BRAVE_API_KEY', kind: 'string', apply: to('tools', 'web', 'search', 'apiKey') },
  // Channel secrets: only the channels process and workers that deliver need them.
  { name: 'EXOCLAW_TELEGRAM_TOKEN', kind: 'string', apply: to('channels', 'telegram', 'token') },
  { name: 'EXOCLAW_TELEGRAM_WEBHOOK_SECRET', kind: 'string', apply: to('channels', 'telegram', 'webhookSecret') },
  { name: 'EXOCLAW_SLACK_BOT_TOKEN', kind: 'string', apply: to('channels', 'slack', 'botToken') },
  { name: 'EXOCLAW_SLACK_SIGNING_SECRET', kind: 'string', apply: to('channels', 'slack', 'signingSecret') },
  { name: 'EXOCLAW_SLACK_APP_TOKEN', kind: 'string', apply: to('channels', 'slack', 'appToken') },
  { name: 'EXOCLAW_WEBHOOK_SECRET', kind: 'string', apply: to('channels', 'webhook', 'secret') },
  { name: 'TEMPORAL_ADDRESS', kind: 'string', apply: to('temporal', 'address') },
  { name: 'TEMPORAL_NAMESPACE', kind: 'string', apply: to('temporal', 'namespace') },
  { name: 'EXOCLAW_TASK_QUEUE', kind: 'string', apply: to('temporal', 'taskQueue') },
  { name: 'EXOCLAW_MAX_CACHED_WORKFLOWS', kind: 'number', apply: to('temporal', 'worker', 'maxCachedWorkflows') },
  { name: 'EXOCLAW_EVENTS_REDIS_URL', kind: 'string', apply: to('events', 'redisUrl') },
  { name: 'TEMPORAL_API_KEY', kind: 'string', apply: to('temporal', 'apiKey') },
  // EXOCLAW_ENCRYPTION_KEYS itself is read by loadEncryptionKeys, so key bytes never sit in the config.
  { name: 'EXOCLAW_ENCRYPTION_KEYS_FILE', kind: 'string', apply: to('security', 'encryption', 'keysFile') },
  { name: 'EXOCLAW_ENCRYPTION_ACTIVE_KEY', kind: 'string', apply: to('security', 'encryption', 'activeKey') },
  { name: 'EXOCLAW_ENCRYPT_BLOBS', kind: 'boolean', apply: to('security', 'encryption', 'blobs') },
];

/**
 * Each provider key and base-URL variable from the provider table sets `providers.<name>.apiKey`
 * or `.apiBase`; a variable several providers share (the scripted server's URL) sets them all.
 */
function providerEnvOverrides(): EnvOverride[] {
  const byName = new Map<string, string[][]>();
  for (const variable of PROVIDER_ENV_VARS) {
    const paths = byName.get(variable.name) ?? [];
    paths.push(['providers', variable.provider, variable.setting]);
    byName.set(variable.name, paths);
  }
  return [...byName].map(([name, paths]) => ({
    name,
    kind: 'string',
    apply: (value) => paths.map((path): [string[], unknown] => [path, value]),
  }));
}

/** Converts an env string to the kind the config expects; leaves it a string when it does not fit, so validation reports it. */
export function parseEnvValue(raw: string, kind: EnvKind): unknown {
  const text = raw.trim();
  if (kind === 'number') return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : raw;
  if (kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    return raw;
  }
  return raw;
}
