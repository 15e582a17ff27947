/**
 * Every provider this project knows by name, with the environment variables that configure it.
 * The one place these names live: the model router, the config loader (environment overrides,
 * default model), exec's environment scrubbing and the local stack all read this table.
 */

export type ProviderApi = 'openai' | 'anthropic';

export interface ProviderSpec {
  api: ProviderApi;
  /** used when neither config nor env gives a base URL; absent = must be configured */
  defaultBase?: string;
  /** the variable holding its API key */
  keyEnv?: string;
  /** the variable holding its base URL */
  baseEnv?: string;
  /** local servers (Ollama, vLLM, the scripted server) take any key */
  keyRequired: boolean;
  /** the model picked when no model is configured and this provider has a key (first in table order wins) */
  defaultModel?: string;
}

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const SCRIPTED_LLM_URL_ENV = 'EXOCLAW_SCRIPTED_LLM_URL';

/** Known provider prefixes. Anything else configured under `providers.<name>.apiBase` is OpenAI-compatible. */
export const PROVIDERS = {
  anthropic: {
    api: 'anthropic',
    defaultBase: ANTHROPIC_DEFAULT_BASE_URL,
    keyEnv: 'ANTHROPIC_API_KEY',
    baseEnv: 'ANTHROPIC_BASE_URL',
    keyRequired: true,
    defaultModel: 'claude-sonnet-4-6',
  },
  openai: {
    api: 'openai',
    defaultBase: OPENAI_DEFAULT_BASE_URL,
    keyEnv: 'OPENAI_API_KEY',
    baseEnv: 'OPENAI_BASE_URL',
    keyRequired: true,
    defaultModel: 'gpt-4.1',
  },
  openrouter: { api: 'openai', defaultBase: 'https://openrouter.ai/api/v1', keyEnv: 'OPENROUTER_API_KEY', keyRequired: true },
  deepseek: { api: 'openai', defaultBase: 'https://api.deepseek.com/v1', keyEnv: 'DEEPSEEK_API_KEY', keyRequired: true },
  groq: { api: 'openai', defaultBase: 'https://api.groq.com/openai/v1', keyEnv: 'GROQ_API_KEY', keyRequired: true },
  gemini: { api: 'openai', defaultBase: 'https://generativelanguage.googleapis.com/v1beta/openai', keyEnv: 'GEMINI_API_KEY', keyRequired: true },
  ollama: { api: 'openai', defaultBase: 'http://localhost:11434/v1', keyEnv: 'OLLAMA_API_KEY', baseEnv: 'OLLAMA_API_BASE', keyRequired: false },
  vllm: { api: 'openai', defaultBase: 'http://localhost:8000/v1', keyEnv: 'VLLM_API_KEY', baseEnv: 'VLLM_API_BASE', keyRequired: false },
  custom: { api: 'openai', keyEnv: 'CUSTOM_API_KEY', baseEnv: 'CUSTOM_API_BASE', keyRequired: false },
  scripted: { api: 'openai', baseEnv: SCRIPTED_LLM_URL_ENV, keyRequired: false },
  'scripted-anthropic': { api: 'anthropic', baseEnv: SCRIPTED_LLM_URL_ENV, keyRequired: false },
} as const satisfies Record<string, ProviderSpec>;

/** The spec of a known provider, or undefined for a name only the config file defines. */
export function providerSpec(name: string): ProviderSpec | undefined {
  return Object.hasOwn(PROVIDERS, name) ? (PROVIDERS as Record<string, ProviderSpec>)[name] : undefined;
}

/** One environment variable and the provider setting it stands for. */
export interface ProviderEnvVar {
  name: string;
  provider: string;
  setting: 'apiKey' | 'apiBase';
}

/** Every provider key and base-URL variable, in table order. */
export const PROVIDER_ENV_VARS: readonly ProviderEnvVar[] = Object.entries<ProviderSpec>(PROVIDERS).flatMap(([provider, spec]) => [
  ...(spec.keyEnv ? [{ name: spec.keyEnv, provider, setting: 'apiKey' as const }] : []),
  ...(spec.baseEnv ? [{ name: spec.baseEnv, provider, setting: 'apiBase' as const }] : []),
]);
