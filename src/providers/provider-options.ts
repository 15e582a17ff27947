import type { Logger } from '../logger.js';

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

/** The client options both SDKs take in the same shape. */
export function sdkClientOptions(
  options: SdkProviderOptions,
  baseURL: string,
): { apiKey: string; baseURL: string; maxRetries: number; timeout: number; defaultHeaders?: Record<string, string> } {
  return {
    apiKey: options.apiKey,
    baseURL,
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.extraHeaders ? { defaultHeaders: options.extraHeaders } : {}),
  };
}
