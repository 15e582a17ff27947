import { LLMError } from '../core/errors.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import type { ErrorContext } from './classify-error.js';

/** Options both SDK-backed providers take. */
export interface SdkProviderOptions {
  apiKey: string;
  /** API root, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1` */
  baseURL?: string;
  defaultModel?: string;
  extraHeaders?: Record<string, string>;
  /** SDK-level retries. Default 0: Temporal owns retries (and honours Retry-After). */
  maxRetries?: number;
  /** Per-request timeout; default 10 minutes (the SDK default). */
  timeoutMs?: number;
  /** Name used in error messages and logs, e.g. `ollama`; defaults to the SDK's provider. */
  providerName?: string;
  /** Where the key comes from, for "check …" hints in authentication errors. */
  credentialHint?: string;
  logger?: Logger;
}

export const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

/** What each SDK-backed provider derives from its options the same way. */
export interface SdkProviderSetup {
  name: string;
  model: string;
  baseURL: string;
  log: Logger;
  errorContext: Omit<ErrorContext, 'model'>;
}

/** Checks the key and fills in name, model, base URL, logger and the error-message context. */
export function sdkProviderSetup(
  options: SdkProviderOptions,
  defaults: { name: string; keyEnv: string; model: string; baseURL: string },
): SdkProviderSetup {
  const name = options.providerName ?? defaults.name;
  if (!options.apiKey) {
    throw new LLMError(`No API key for ${name}: set ${options.credentialHint ?? defaults.keyEnv}.`, {
      kind: 'authentication',
    });
  }
  const baseURL = options.baseURL ?? defaults.baseURL;
  return {
    name,
    model: options.defaultModel ?? defaults.model,
    baseURL,
    log: (options.logger ?? sharedLogger()).child({ provider: name }),
    errorContext: {
      provider: name,
      credentialHint: options.credentialHint ?? `${defaults.keyEnv} / providers.${defaults.name}.apiKey`,
      secrets: [options.apiKey],
      baseURL,
    },
  };
}
