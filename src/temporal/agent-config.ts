import { loadConfig, type Config, type ConfigOverrides } from '../config.js';

/**
 * What a library user may pass as `config`: a loaded `Config`, the path of a config file, or
 * settings (camelCase or snake_case, as in the file) that win over the config file and the
 * environment, as the command line's flags do.
 */
export type AgentConfigInput = Config | string | ConfigOverrides | Record<string, unknown>;

/** The validated configuration for `config` (default: the config file and environment alone). */
export function resolveAgentConfig(input?: AgentConfigInput, onWarning?: (message: string) => void): Config {
  if (input === undefined) return loadConfig({ onWarning });
  if (typeof input === 'string') return loadConfig({ path: input, onWarning });
  if (isLoadedConfig(input)) return input;
  return loadConfig({ overrides: input, onWarning });
}

/** A `Config` from loadConfig (its paths resolved, its queues listed), as opposed to settings to load. */
function isLoadedConfig(value: object): value is Config {
  const candidate = value as Partial<Config>;
  return Array.isArray(candidate.temporal?.taskQueues) && typeof candidate.agents?.defaults?.stateDir === 'string';
}
