export { OpenAIProvider } from './openai-provider.js';
export type { OpenAIProviderOptions } from './openai-provider.js';
export { AnthropicProvider, thinkingBudget } from './anthropic-provider.js';
export type { AnthropicProviderOptions } from './anthropic-provider.js';
export type { SdkProviderOptions } from './provider-options.js';
export { SdkProvider, type SdkProviderDefaults } from './sdk-provider.js';
export {
  PROVIDERS,
  PROVIDER_ENV_VARS,
  providerSpec,
  ANTHROPIC_DEFAULT_BASE_URL,
  OPENAI_DEFAULT_BASE_URL,
  SCRIPTED_LLM_URL_ENV,
} from './provider-table.js';
export type { ProviderSpec, ProviderEnvVar, ProviderApi } from './provider-table.js';
export { resolveProvider, routeModel, isProviderConfigured, clearProviderCache } from './model-router.js';
export type { ProvidersConfig, ModelRoute, ResolveProviderOptions, ResolvedProvider } from './model-router.js';
export { parseToolArguments, toolCallFrom, repairJson } from './tool-call-arguments.js';
export type { ParsedToolArguments } from './tool-call-arguments.js';
export { classifyError, isUserAbort, cancellationError } from './classify-error.js';
export type { ErrorContext } from './classify-error.js';
export { toOpenAIMessages, toOpenAITools } from './openai-messages.js';
export { toAnthropicPrompt, toAnthropicTools } from './anthropic-messages.js';
