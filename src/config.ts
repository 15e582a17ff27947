/** Configuration: file (nanobot-compatible JSON) < environment < overrides, validated with zod. */
export { ConfigError } from './config/config-error.js';
export { defaultStateDir } from './storage/state-root.js';
export {
  loadConfig,
  defaultModel,
  expandHome,
  DEFAULT_ANTHROPIC_MODEL,
  DEFAULT_OPENAI_MODEL,
  SCRIPTED_MODEL,
  type LoadConfigOptions,
  type ConfigOverrides,
  type DeepPartial,
} from './config/load-config.js';
export { ENV_OVERRIDES, type EnvOverride } from './config/env-overrides.js';
export { normalizeKeys, snakeToCamel } from './config/normalize-keys.js';
export {
  ConfigSchema,
  type Config,
  type AgentDefaults,
  type ProvidersConfig,
  type ProviderConfig,
  type McpServerConfig,
  type ToolsConfig,
  type TemporalConfig,
  type SecurityConfig,
} from './config/schema.js';
