import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelRoutingError } from '../../src/core/errors.js';
import { createLogger } from '../../src/logger.js';
import { AnthropicProvider } from '../../src/providers/anthropic-provider.js';
import {
  clearProviderCache,
  isProviderConfigured,
  resolveProvider,
  routeModel,
  type ProvidersConfig,
} from '../../src/providers/model-router.js';
import { OpenAIProvider } from '../../src/providers/openai-provider.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/server.js';

const NO_ENV = {};

function baseOf(provider: unknown): string {
  if (provider instanceof OpenAIProvider || provider instanceof AnthropicProvider) return provider.baseURL;
  throw new Error('unexpected provider type');
}

function catchError(fn: () => unknown): ModelRoutingError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ModelRoutingError) return error;
    throw error;
  }
  throw new Error('expected a ModelRoutingError');
}

describe('routeModel', () => {
  it.each([
    ['anthropic/claude-sonnet-4-6', 'anthropic', 'anthropic', 'claude-sonnet-4-6'],
    ['openai/gpt-4.1', 'openai', 'openai', 'gpt-4.1'],
    ['ollama/llama3.2', 'ollama', 'openai', 'llama3.2'],
    ['openrouter/anthropic/claude-3.5-sonnet', 'openrouter', 'openai', 'anthropic/claude-3.5-sonnet'],
    ['deepseek/deepseek-chat', 'deepseek', 'openai', 'deepseek-chat'],
    ['vllm/meta-llama/Llama-3.1-8B-Instruct', 'vllm', 'openai', 'meta-llama/Llama-3.1-8B-Instruct'],
    ['scripted/scripted-llm', 'scripted', 'openai', 'scripted-llm'],
    ['scripted-anthropic/scripted-llm', 'scripted-anthropic', 'anthropic', 'scripted-llm'],
    ['claude-opus-4-5', 'anthropic', 'anthropic', 'claude-opus-4-5'],
    ['gpt-4.1-mini', 'openai', 'openai', 'gpt-4.1-mini'],
    ['o3', 'openai', 'openai', 'o3'],
    ['o4-mini', 'openai', 'openai', 'o4-mini'],
  ])('%s → %s (%s API) with model %s', (input, providerName, api, model) => {
    expect(routeModel(input)).toEqual({ providerName, api, model });
  });

  it('routes a configured custom prefix, and bare unknown models to `custom` when it has a base URL', () => {
    const providers: ProvidersConfig = { custom: { apiBase: 'http://127.0.0.1:9/v1' }, lmstudio: { apiBase: 'http://127.0.0.1:1234/v1' } };
    expect(routeModel('lmstudio/qwen2.5', providers)).toEqual({ providerName: 'lmstudio', api: 'openai', model: 'qwen2.5' });
    expect(routeModel('my-finetune', providers)).toEqual({ providerName: 'custom', api: 'openai', model: 'my-finetune' });
  });

  it('refuses a model it cannot attribute, saying how to fix it', () => {
    const error = catchError(() => routeModel('mystery-model'));
    expect(error.name).toBe('ModelRoutingError');
    expect(error.category).toBe('user');
    expect(error.message).toMatch(/Prefix it with a provider, e.g. anthropic\/claude-sonnet-4-6/);
    expect(catchError(() => routeModel('openai/')).message).toMatch(/names no model/);
  });
});

describe('resolveProvider', () => {
  beforeEach(() => clearProviderCache());

  it('takes the key from config before env, and the base URL from config, env, then the default', () => {
    const fromDefault = resolveProvider('openai/gpt-4.1', {}, { env: { OPENAI_API_KEY: 'sk-env-key-123456' } });
    expect(fromDefault.provider).toBeInstanceOf(OpenAIProvider);
    expect(baseOf(fromDefault.provider)).toBe('https://api.openai.com/v1');
    expect(fromDefault).toMatchObject({ model: 'gpt-4.1', providerName: 'openai' });

    const fromEnv = resolveProvider('openai/gpt-4.1', {}, { env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://proxy.local:4000/v1/' } });
    expect(baseOf(fromEnv.provider)).toBe('http://proxy.local:4000/v1');

    const fromConfig = resolveProvider(
      'anthropic/claude-sonnet-4-6',
      { anthropic: { apiKey: 'sk-ant-config-1234', apiBase: 'http://gateway.local/anthropic' } },
      { env: { ANTHROPIC_BASE_URL: 'http://ignored.local' } },
    );
    expect(fromConfig.provider).toBeInstanceOf(AnthropicProvider);
    expect(baseOf(fromConfig.provider)).toBe('http://gateway.local/anthropic');
    expect(fromConfig.model).toBe('claude-sonnet-4-6');
  });

  it('uses the well-known local and hosted defaults', () => {
    // A local default base is used only for the provider of the worker's default model.
    expect(baseOf(resolveProvider('ollama/llama3.2', {}, { env: NO_ENV, defaultModel: 'ollama/llama3.2' }).provider)).toBe(
      'http://localhost:11434/v1',
    );
    expect(baseOf(resolveProvider('ollama/llama3.2', { ollama: { apiBase: 'http://gpu-box:11434/v1' } }, { env: NO_ENV }).provider)).toBe(
      'http://gpu-box:11434/v1',
    );
    expect(baseOf(resolveProvider('vllm/x', {}, { env: NO_ENV, defaultModel: 'vllm/x' }).provider)).toBe('http://localhost:8000/v1');
    expect(baseOf(resolveProvider('openrouter/a/b', {}, { env: { OPENROUTER_API_KEY: 'k' } }).provider)).toBe('https://openrouter.ai/api/v1');
    expect(baseOf(resolveProvider('deepseek/deepseek-chat', {}, { env: { DEEPSEEK_API_KEY: 'k' } }).provider)).toBe('https://api.deepseek.com/v1');
  });

  it.each([
    ['anthropic/claude-sonnet-4-6', 'ANTHROPIC_API_KEY', 'providers.anthropic.apiKey'],
    ['claude-sonnet-4-6', 'ANTHROPIC_API_KEY', 'providers.anthropic.apiKey'],
    ['openai/gpt-4.1', 'OPENAI_API_KEY', 'providers.openai.apiKey'],
    ['openrouter/meta/llama', 'OPENROUTER_API_KEY', 'providers.openrouter.apiKey'],
    ['deepseek/deepseek-chat', 'DEEPSEEK_API_KEY', 'providers.deepseek.apiKey'],
  ])('a missing key for %s is a non-retryable routing error naming %s', (model, envVar, configKey) => {
    // Whether or not it is the default model's provider: either way the message says what to set.
    for (const defaultModel of [model, undefined]) {
      const error = catchError(() => resolveProvider(model, { openai: { apiKey: '  ' } }, { env: NO_ENV, defaultModel }));
      expect(error.name).toBe('ModelRoutingError');
      expect(error.category).toBe('user');
      expect(error.message).toContain(envVar);
      expect(error.message).toContain(configKey);
    }
  });

  it('needs no key for local servers, but a base URL for custom and scripted', () => {
    expect(() => resolveProvider('ollama/llama3.2', {}, { env: NO_ENV, defaultModel: 'ollama/llama3.2' })).not.toThrow();
    // Even as the default model's provider, custom and scripted have no base URL to fall back on.
    const custom = catchError(() => resolveProvider('custom/my-model', {}, { env: NO_ENV, defaultModel: 'custom/my-model' }));
    expect(custom.message).toContain('No base URL for custom');
    expect(custom.message).toContain('providers.custom.apiBase');
    const scripted = catchError(() => resolveProvider('scripted/scripted-llm', {}, { env: NO_ENV, defaultModel: 'scripted/scripted-llm' }));
    expect(scripted.message).toContain('No base URL for scripted');
    expect(scripted.message).toContain('EXOCLAW_SCRIPTED_LLM_URL');
    expect(scripted.message).toContain('exoclaw-temporal llm-server');
    const badUrl = catchError(() => resolveProvider('custom/m', { custom: { apiBase: 'not a url' } }, { env: NO_ENV }));
    expect(badUrl.message).toMatch(/not a URL/);
  });

  describe('serves only providers the operator configured', () => {
    // The model string is client input: naming a provider must not reach a server the operator never set up.
    it.each([
      ['ollama/llama3.2', 'ollama is not configured on this worker: set providers.ollama.apiBase (or OLLAMA_API_BASE) on the worker'],
      ['vllm/meta-llama/Llama-3.1-8B-Instruct', 'vllm is not configured on this worker: set providers.vllm.apiBase (or VLLM_API_BASE) on the worker'],
      ['custom/anything', 'custom is not configured on this worker: set providers.custom.apiBase (or CUSTOM_API_BASE) on the worker'],
      ['openai/gpt-4.1', 'openai is not configured on this worker: set providers.openai.apiKey (or OPENAI_API_KEY) on the worker'],
      ['gpt-4.1-mini', 'openai is not configured on this worker: set providers.openai.apiKey (or OPENAI_API_KEY) on the worker'],
      ['o3', 'openai is not configured on this worker'],
      ['claude-opus-4-5', 'anthropic is not configured on this worker: set providers.anthropic.apiKey (or ANTHROPIC_API_KEY) on the worker'],
      ['scripted-anthropic/scripted-llm', 'scripted-anthropic is not configured on this worker: start a scripted LLM server'],
    ])('%s is refused on a worker whose only provider is scripted', (model, message) => {
      const providers: ProvidersConfig = { scripted: { apiBase: 'http://127.0.0.1:9' } };
      const error = catchError(() => resolveProvider(model, providers, { env: NO_ENV, defaultModel: 'scripted/scripted-llm' }));
      expect(error).toBeInstanceOf(ModelRoutingError);
      expect(error.category).toBe('user');
      expect(error.message).toContain(message);
      expect(error.message).toContain(`(model "${model}")`);
    });

    it.each([
      ['providers.ollama.apiBase', { ollama: { apiBase: 'http://gpu-box:11434/v1' } }, NO_ENV, undefined, 'http://gpu-box:11434/v1'],
      ['providers.ollama.apiKey', { ollama: { apiKey: 'token-1234' } }, NO_ENV, undefined, 'http://localhost:11434/v1'],
      ['OLLAMA_API_BASE', {}, { OLLAMA_API_BASE: 'http://gpu-box:11434/v1' }, undefined, 'http://gpu-box:11434/v1'],
      ['OLLAMA_API_KEY', {}, { OLLAMA_API_KEY: 'token-1234' }, undefined, 'http://localhost:11434/v1'],
      ['the default model on another ollama model', {}, NO_ENV, 'ollama/qwen2.5', 'http://localhost:11434/v1'],
    ])('ollama is served once enabled by %s', (_how, providers: ProvidersConfig, env: Record<string, string>, defaultModel, base) => {
      const resolved = resolveProvider('ollama/llama3.2', providers, { env, defaultModel });
      expect(resolved).toMatchObject({ providerName: 'ollama', model: 'llama3.2' });
      expect(baseOf(resolved.provider)).toBe(base);
    });

    it('attributes bare names first, then applies the same rule', () => {
      const env = { ANTHROPIC_API_KEY: 'sk-ant-env-123456' };
      expect(resolveProvider('claude-opus-4-5', {}, { env }).providerName).toBe('anthropic');
      expect(catchError(() => resolveProvider('gpt-4.1', {}, { env })).message).toMatch(/^openai is not configured on this worker/);
      // As the default model's provider it passes the rule and only lacks its key.
      expect(catchError(() => resolveProvider('gpt-4.1', {}, { env, defaultModel: 'openai/gpt-4.1-mini' })).message).toMatch(
        /^No API key for openai/,
      );
      expect(resolveProvider('gpt-4.1', {}, { env: { ...env, OPENAI_API_KEY: 'sk-env-123456' } }).providerName).toBe('openai');
    });

    it('does not count blank settings, headers alone, or names inherited from Object', () => {
      for (const providers of [{ ollama: { apiBase: '  ', apiKey: '' } }, { ollama: { extraHeaders: { 'x-team': 'a' } } }] as ProvidersConfig[]) {
        expect(isProviderConfigured('ollama', providers, { OLLAMA_API_BASE: ' ' })).toBe(false);
        expect(catchError(() => resolveProvider('ollama/llama3.2', providers, { env: NO_ENV })).message).toMatch(/ollama is not configured/);
      }
      expect(catchError(() => resolveProvider('constructor/x', {}, { env: NO_ENV })).message).toMatch(/Cannot tell which provider serves/);
      expect(catchError(() => resolveProvider('toString/x', {}, { env: NO_ENV, defaultModel: 'toString/x' })).message).toMatch(
        /Cannot tell which provider serves/,
      );
    });

    it('a custom prefix with its own apiBase is configured by that entry', () => {
      const providers: ProvidersConfig = { lmstudio: { apiBase: 'http://127.0.0.1:1234/v1' } };
      expect(baseOf(resolveProvider('lmstudio/qwen2.5', providers, { env: NO_ENV }).provider)).toBe('http://127.0.0.1:1234/v1');
    });
  });

  it('caches one provider per provider/key/base and builds a new one when any changes', () => {
    const env = { OPENAI_API_KEY: 'sk-one-123456789' };
    const first = resolveProvider('openai/gpt-4.1', {}, { env });
    expect(resolveProvider('openai/gpt-4.1-mini', {}, { env }).provider).toBe(first.provider);
    expect(resolveProvider('openai/gpt-4.1', {}, { env: { OPENAI_API_KEY: 'sk-two-123456789' } }).provider).not.toBe(first.provider);
    expect(resolveProvider('openai/gpt-4.1', { openai: { apiBase: 'http://other/v1' } }, { env }).provider).not.toBe(first.provider);
    expect(resolveProvider('openai/gpt-4.1', { openai: { extraHeaders: { 'x-team': 'a' } } }, { env }).provider).not.toBe(first.provider);
    const logger = createLogger({ destination: { write: () => {} } });
    const withLogger = resolveProvider('openai/gpt-4.1', {}, { env, logger }).provider;
    expect(withLogger).not.toBe(first.provider);
    expect(resolveProvider('openai/gpt-4.1', {}, { env, logger }).provider).toBe(withLogger);
  });

  describe('against the scripted server', () => {
    let server: ScriptedLlmServer;
    beforeAll(async () => {
      server = await startScriptedLlmServer();
    });
    afterAll(async () => {
      await server.close();
    });

    it('scripted/<model> finds the server through EXOCLAW_SCRIPTED_LLM_URL (root URL; /v1 is added)', async () => {
      const { provider, model } = resolveProvider('scripted/scripted-llm', {}, { env: { EXOCLAW_SCRIPTED_LLM_URL: server.url } });
      expect(baseOf(provider)).toBe(server.openaiBaseUrl);
      const response = await provider.chat({ model, messages: [{ role: 'user', content: 'hello router' }], tools: [] });
      expect(response.content).toBe('[scripted-llm] You said: hello router');
      expect(server.requests.at(-1)?.path).toBe('/v1/chat/completions');
    });

    it('scripted-anthropic/<model> speaks the Messages API to the same server', async () => {
      const { provider, model } = resolveProvider('scripted-anthropic/scripted-llm', {}, { env: { EXOCLAW_SCRIPTED_LLM_URL: `${server.url}/v1` } });
      expect(provider).toBeInstanceOf(AnthropicProvider);
      const response = await provider.chat({ model, messages: [{ role: 'user', content: 'hello anthropic' }], tools: [] });
      expect(response.content).toBe('[scripted-llm] You said: hello anthropic');
      expect(server.requests.at(-1)?.path).toBe('/v1/messages');
    });

    it('an OpenAI-compatible provider configured in the file sends its extra headers', async () => {
      const { provider, model } = resolveProvider(
        'ollama/llama3.2',
        { ollama: { apiBase: server.openaiBaseUrl, extraHeaders: { 'x-exoclaw-test': 'yes' } } },
        { env: NO_ENV },
      );
      await provider.chat({ model, messages: [{ role: 'user', content: 'hi' }], tools: [] });
      const request = server.requests.at(-1);
      expect(request?.headers['x-exoclaw-test']).toBe('yes');
      expect((request?.body as { model: string }).model).toBe('llama3.2');
    });

    it('a caller that passes the full routed model string still asks for the bare model', async () => {
      const { provider } = resolveProvider('ollama/llama3.2', { ollama: { apiBase: server.openaiBaseUrl } }, { env: NO_ENV });
      await provider.chat({ model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'hi' }], tools: [] });
      expect((server.requests.at(-1)?.body as { model: string }).model).toBe('llama3.2');
      const anthropic = resolveProvider('scripted-anthropic/scripted-llm', {}, { env: { EXOCLAW_SCRIPTED_LLM_URL: server.url } }).provider;
      await anthropic.chat({ model: 'scripted-anthropic/scripted-llm', messages: [{ role: 'user', content: 'hi' }], tools: [] });
      expect((server.requests.at(-1)?.body as { model: string }).model).toBe('scripted-llm');
    });
  });
});
