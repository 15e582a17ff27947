/**
 * Environment variables that override the config file (and are overridden by CLI flags).
 * Each entry is documented in docs/workspace-and-config.md; keep the two in step.
 */

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
  { name: 'ANTHROPIC_API_KEY', kind: 'string', apply: to('providers', 'anthropic', 'apiKey') },
  { name: 'ANTHROPIC_BASE_URL', kind: 'string', apply: to('providers', 'anthropic', 'apiBase') },
  { name: 'OPENAI_API_KEY', kind: 'string', apply: to('providers', 'openai', 'apiKey') },
  { name: 'OPENAI_BASE_URL', kind: 'string', apply: to('providers', 'openai', 'apiBase') },
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
  { name: 'TEMPORAL_ADDRESS', kind: 'string', apply: to('temporal', 'address') },
  { name: 'TEMPORAL_NAMESPACE', kind: 'string', apply: to('temporal', 'namespace') },
  { name: 'EXOCLAW_TASK_QUEUE', kind: 'string', apply: to('temporal', 'taskQueue') },
  { name: 'TEMPORAL_API_KEY', kind: 'string', apply: to('temporal', 'apiKey') },
  // EXOCLAW_ENCRYPTION_KEYS itself is read by loadEncryptionKeys, so key bytes never sit in the config.
  { name: 'EXOCLAW_ENCRYPTION_KEYS_FILE', kind: 'string', apply: to('security', 'encryption', 'keysFile') },
  { name: 'EXOCLAW_ENCRYPTION_ACTIVE_KEY', kind: 'string', apply: to('security', 'encryption', 'activeKey') },
  { name: 'EXOCLAW_ENCRYPT_BLOBS', kind: 'boolean', apply: to('security', 'encryption', 'blobs') },
];

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
