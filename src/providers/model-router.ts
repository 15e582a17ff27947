import { createHash } from 'node:crypto';
import { ModelRoutingError } from '../core/errors.js';
import type { LLMProvider } from '../core/llm-provider.js';
import type { Logger } from '../logger.js';
import { AnthropicProvider } from './anthropic-provider.js';
import { OpenAIProvider } from './openai-provider.js';
import type { SdkProviderOptions } from './provider-options.js';
import { providerSpec, SCRIPTED_LLM_URL_ENV, type ProviderApi, type ProviderSpec } from './provider-table.js';

/** Provider settings by provider name (the prefix of `provider/model`). Same shape as the config file's `providers`. */
export type ProvidersConfig = Record<string, { apiKey?: string; apiBase?: string; extraHeaders?: Record<string, string> }>;

/** Bare model names we can attribute without a prefix. */
const BARE_MODEL_RULES: Array<{ pattern: RegExp; provider: string }> = [
  { pattern: /^claude/i, provider: 'anthropic' },
  { pattern: /^(gpt-|chatgpt-|o[1345](-|$))/i, provider: 'openai' },
  { pattern: /^deepseek-/i, provider: 'deepseek' },
];

export interface ModelRoute {
  providerName: string;
  api: ProviderApi;
  /** the model name the provider's API expects (prefix removed) */
  model: string;
}

/** Which provider serves `model` (`provider/model` or a recognisable bare name). Throws a clear ModelRoutingError. */
export function routeModel(model: string, providers: ProvidersConfig = {}): ModelRoute {
  const trimmed = model.trim();
  const slash = trimmed.indexOf('/');
  if (slash > 0) {
    const prefix = trimmed.slice(0, slash).toLowerCase();
    const rest = trimmed.slice(slash + 1);
    const spec = providerSpec(prefix);
    if (spec || settingsOf(providers, prefix).apiBase) {
      if (!rest) throw new ModelRoutingError(`The model "${model}" names no model after "${prefix}/": use e.g. "${prefix}/<model-name>".`);
      return { providerName: prefix, api: spec?.api ?? 'openai', model: rest };
    }
  }
  for (const rule of BARE_MODEL_RULES) {
    if (rule.pattern.test(trimmed)) return { providerName: rule.provider, api: providerSpec(rule.provider)?.api ?? 'openai', model: trimmed };
  }
  if (providers.custom?.apiBase && trimmed) return { providerName: 'custom', api: 'openai', model: trimmed };
  throw new ModelRoutingError(
    `Cannot tell which provider serves the model "${model}". Prefix it with a provider, e.g. anthropic/claude-sonnet-4-6, openai/gpt-4.1, ollama/llama3.2, openrouter/<model>, or configure providers.<name>.apiBase and use <name>/<model>.`,
  );
}

export interface ResolveProviderOptions {
  /** SDK retries; default 0 (Temporal owns retries) */
  maxRetries?: number;
  /** where env lookups go; default process.env */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** where the provider logs; providers are cached per logger, so pass a long-lived one */
  logger?: Logger;
  /**
   * The worker's default model (`agents.defaults.model`). Its provider may be used even when
   * nothing else configures it (e.g. `ollama/…` on the default local port).
   */
  defaultModel?: string;
}

export interface ResolvedProvider {
  provider: LLMProvider;
  model: string;
  providerName: string;
}

// Per logger (a provider logs through the logger it was built with); weak, so short-lived
// loggers do not pin providers in memory. Pass a long-lived logger to benefit from the cache.
let cacheByLogger = new WeakMap<Logger, Map<string, LLMProvider>>();
let cacheWithoutLogger = new Map<string, LLMProvider>();

/**
 * The provider for a model string, with credentials from the config (`providers.<name>`) or
 * the environment. This is the only place keys are read. Instances are cached per
 * (provider, key, base URL, headers) so workers don't rebuild SDK clients on every call.
 *
 * The model string may come from a client (a workflow input), so only providers the operator
 * set up on this worker are served: see `isProviderConfigured`.
 */
export function resolveProvider(model: string, providers: ProvidersConfig = {}, opts: ResolveProviderOptions = {}): ResolvedProvider {
  const env = opts.env ?? process.env;
  const route = routeModel(model, providers);
  const spec: ProviderSpec = providerSpec(route.providerName) ?? { api: 'openai', keyRequired: false };
  const settings = settingsOf(providers, route.providerName);
  if (!isProviderConfigured(route.providerName, providers, env) && !isDefaultProvider(route.providerName, providers, opts.defaultModel)) {
    throw new ModelRoutingError(
      `${route.providerName} is not configured on this worker: ${howToConfigure(route.providerName, spec)} on the worker. ` +
        `A turn may use only providers the worker's operator set up (model "${model}").`,
    );
  }
  const keyHint = `${spec.keyEnv ? `${spec.keyEnv} / ` : ''}providers.${route.providerName}.apiKey`;

  const apiKey = nonEmpty(settings.apiKey) ?? (spec.keyEnv ? nonEmpty(env[spec.keyEnv]) : undefined);
  if (!apiKey && spec.keyRequired) {
    throw new ModelRoutingError(
      `No API key for ${route.providerName} (model "${model}"): set ${spec.keyEnv ?? 'the key'} in the worker's environment or providers.${route.providerName}.apiKey in the config file.`,
    );
  }
  const baseURL = normaliseBase(
    nonEmpty(settings.apiBase) ?? (spec.baseEnv ? nonEmpty(env[spec.baseEnv]) : undefined) ?? spec.defaultBase,
    spec,
    route.providerName,
    model,
  );

  const options: SdkProviderOptions = {
    // Local servers accept any key, but the SDKs insist on one.
    apiKey: apiKey ?? 'not-needed',
    baseURL,
    defaultModel: route.model,
    maxRetries: opts.maxRetries ?? 0,
    providerName: route.providerName,
    credentialHint: keyHint,
    ...(settings.extraHeaders ? { extraHeaders: settings.extraHeaders } : {}),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.logger ? { logger: opts.logger } : {}),
  };
  const cacheKey = JSON.stringify([
    route.providerName,
    spec.api,
    createHash('sha256').update(options.apiKey).digest('hex'),
    baseURL,
    settings.extraHeaders ?? {},
    options.maxRetries,
    opts.timeoutMs ?? null,
  ]);
  let byKey = opts.logger ? cacheByLogger.get(opts.logger) : cacheWithoutLogger;
  if (!byKey) {
    byKey = new Map();
    if (opts.logger) cacheByLogger.set(opts.logger, byKey);
  }
  let provider = byKey.get(cacheKey);
  if (!provider) {
    provider = spec.api === 'anthropic' ? new AnthropicProvider(options) : new OpenAIProvider(options);
    byKey.set(cacheKey, provider);
  }
  return { provider, model: route.model, providerName: route.providerName };
}

/**
 * Whether the operator set a provider up on this worker: `providers.<name>` has an API key or a
 * base URL, or the provider's key or base-URL variable is set. A built-in default base URL
 * (Ollama's and vLLM's local ports) does not count: naming a provider must not be enough to
 * reach a server on the worker's network.
 */
export function isProviderConfigured(
  name: string,
  providers: ProvidersConfig,
  env: Record<string, string | undefined> = process.env,
): boolean {
  const settings = settingsOf(providers, name);
  if (nonEmpty(settings.apiKey) ?? nonEmpty(settings.apiBase)) return true;
  const spec = providerSpec(name);
  return [spec?.keyEnv, spec?.baseEnv].some((variable) => variable !== undefined && nonEmpty(env[variable]) !== undefined);
}

/** Forgets cached provider instances (tests, or after rotating keys). */
export function clearProviderCache(): void {
  cacheByLogger = new WeakMap();
  cacheWithoutLogger = new Map();
}

/** The operator chose this provider by making it serve the worker's default model. */
function isDefaultProvider(name: string, providers: ProvidersConfig, defaultModel: string | undefined): boolean {
  if (!defaultModel) return false;
  try {
    return routeModel(defaultModel, providers).providerName === name;
  } catch {
    return false;
  }
}

/** What the operator sets to enable a provider: its key (hosted APIs) or its base URL (local servers). */
function howToConfigure(name: string, spec: ProviderSpec, setting: 'apiKey' | 'apiBase' = spec.keyRequired ? 'apiKey' : 'apiBase'): string {
  if (setting === 'apiBase' && spec.baseEnv === SCRIPTED_LLM_URL_ENV) {
    return `start a scripted LLM server with \`exoclaw-temporal llm-server\` and set ${SCRIPTED_LLM_URL_ENV}=<its URL> (or providers.${name}.apiBase)`;
  }
  const variable = setting === 'apiKey' ? spec.keyEnv : spec.baseEnv;
  return `set providers.${name}.${setting}${variable ? ` (or ${variable})` : ''}`;
}

function settingsOf(providers: ProvidersConfig, name: string): ProvidersConfig[string] {
  return (Object.hasOwn(providers, name) ? providers[name] : undefined) ?? {};
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function normaliseBase(base: string | undefined, spec: ProviderSpec, providerName: string, model: string): string {
  if (!base) throw new ModelRoutingError(`No base URL for ${providerName} (model "${model}"): ${howToConfigure(providerName, spec, 'apiBase')}.`);
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ModelRoutingError(`The base URL for ${providerName} is not a URL: "${base}". Use e.g. http://localhost:11434/v1.`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  // The scripted server is given as its root URL; each API wants its own root.
  if (providerName === 'scripted' && !/\/v\d+$/.test(path)) url.pathname = `${path}/v1`;
  else if (spec.api === 'anthropic') url.pathname = path.replace(/\/v1$/, '') || '/';
  else url.pathname = path || '/';
  return url.toString().replace(/\/+$/, '');
}
