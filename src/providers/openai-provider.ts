import OpenAI from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import { LLMError } from '../core/errors.js';
import type { ChatRequest, LLMProvider, LLMResponse } from '../core/llm-provider.js';
import type { Logger } from '../logger.js';
import { cancellationError, classifyError, isUserAbort, type ErrorContext } from './classify-error.js';
import { toOpenAIMessages, toOpenAITools } from './openai-messages.js';
import {
  ChatCompletionAccumulator,
  ChatCompletionChunkSchema,
  ChatCompletionSchema,
  fromChatCompletion,
} from './openai-response.js';
import { DEFAULT_TIMEOUT_MS, sdkProviderSetup, type SdkProviderOptions } from './provider-options.js';
import { OPENAI_DEFAULT_BASE_URL } from './provider-table.js';
import { logResponse } from './log-response.js';

export type OpenAIProviderOptions = SdkProviderOptions;

/**
 * Chat Completions through the official `openai` SDK. Works against api.openai.com and any
 * OpenAI-compatible server (Ollama, vLLM, LiteLLM, OpenRouter, DeepSeek) via `baseURL`.
 * Streams when the request has `onDelta`, otherwise makes one plain request.
 */
export class OpenAIProvider implements LLMProvider {
  private readonly client: OpenAI;
  private readonly name: string;
  private readonly model: string;
  /** the API root requests go to */
  readonly baseURL: string;
  private readonly log: Logger;
  private readonly errorContext: Omit<ErrorContext, 'model'>;

  constructor(options: OpenAIProviderOptions) {
    ({ name: this.name, model: this.model, baseURL: this.baseURL, log: this.log, errorContext: this.errorContext } =
      sdkProviderSetup(options, { name: 'openai', keyEnv: 'OPENAI_API_KEY', model: 'gpt-4.1', baseURL: OPENAI_DEFAULT_BASE_URL }));
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: this.baseURL,
      // Credentials and routing come from our config only, never from stray env vars.
      organization: null,
      project: null,
      maxRetries: options.maxRetries ?? 0,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(options.extraHeaders ? { defaultHeaders: options.extraHeaders } : {}),
    });
  }

  /** the provider name used in messages and logs, e.g. `ollama` */
  get providerName(): string {
    return this.name;
  }

  defaultModel(): string {
    return this.model;
  }

  /** The model to ask for; a routing prefix such as `ollama/` left on by the caller is removed. */
  private modelFor(requested: string): string {
    if (!requested) return this.model;
    const prefix = `${this.name}/`;
    return requested.startsWith(prefix) ? requested.slice(prefix.length) : requested;
  }

  async chat(request: ChatRequest): Promise<LLMResponse> {
    const model = this.modelFor(request.model);
    const params = this.buildParams(request, model);
    const stream = request.onDelta !== undefined;
    const signal = request.signal as AbortSignal | undefined;
    this.log.debug(
      { model, messages: request.messages.length, tools: request.tools.length, stream },
      'llm request',
    );
    try {
      const response = stream
        ? await this.streamChat(params, request.onDelta ?? (() => {}), signal)
        : await this.plainChat(params, signal);
      logResponse(this.log, model, response);
      return response;
    } catch (error) {
      if (isUserAbort(error, request.signal)) throw cancellationError(request.signal);
      const llmError = classifyError(error, { ...this.errorContext, model });
      this.log.warn(
        { model, kind: llmError.kind, status: llmError.status, retryable: llmError.retryable },
        `llm request failed: ${llmError.message}`,
      );
      throw llmError;
    }
  }

  private buildParams(request: ChatRequest, model: string): ChatCompletionCreateParamsBase {
    // api.openai.com never returns reasoning_content, so there is nothing to hand back to it.
    const messages = toOpenAIMessages(request.messages, { includeReasoning: this.name !== 'openai' });
    const params: ChatCompletionCreateParamsBase = { model, messages };
    if (request.tools.length > 0) params.tools = toOpenAITools(request.tools);
    if (request.toolChoice) params.tool_choice = { type: 'function', function: { name: request.toolChoice.name } };
    if (request.temperature !== undefined && !this.rejectsTemperature(model)) params.temperature = request.temperature;
    if (request.maxTokens) {
      // api.openai.com wants max_completion_tokens (reasoning models reject max_tokens);
      // compatible servers widely understand only max_tokens.
      if (this.name === 'openai') params.max_completion_tokens = request.maxTokens;
      else params.max_tokens = request.maxTokens;
    }
    if (request.reasoningEffort) {
      params.reasoning_effort = request.reasoningEffort as NonNullable<ChatCompletionCreateParamsBase['reasoning_effort']>;
    }
    return params;
  }

  /** OpenAI's reasoning models accept only the default temperature. */
  private rejectsTemperature(model: string): boolean {
    return this.name === 'openai' && /^(o\d|gpt-5)/.test(model);
  }

  private async plainChat(params: ChatCompletionCreateParamsBase, signal: AbortSignal | undefined): Promise<LLMResponse> {
    const completion = await this.client.chat.completions.create({ ...params, stream: false }, { signal });
    return fromChatCompletion(parseOrThrow(ChatCompletionSchema, completion, 'response'));
  }

  private async streamChat(
    params: ChatCompletionCreateParamsBase,
    onDelta: (text: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<LLMResponse> {
    const stream = await this.client.chat.completions.create(
      { ...params, stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    const accumulator = new ChatCompletionAccumulator();
    for await (const chunk of stream) {
      const text = accumulator.add(parseOrThrow(ChatCompletionChunkSchema, chunk, 'stream chunk'));
      if (text) onDelta(text);
    }
    return accumulator.result();
  }
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') || '(root)';
  throw new LLMError(`The server sent an unexpected ${what}: ${path}: ${issue?.message ?? 'invalid'}. Is the base URL an OpenAI-compatible API?`, {
    kind: 'invalid_response',
  });
}
