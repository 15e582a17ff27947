import OpenAI from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { ChatRequest, LLMResponse } from '../core/llm-provider.js';
import { toOpenAIMessages, toOpenAITools } from './openai-messages.js';
import {
  ChatCompletionAccumulator,
  ChatCompletionChunkSchema,
  ChatCompletionSchema,
  fromChatCompletion,
} from './openai-response.js';
import { sdkClientOptions, type SdkProviderOptions } from './provider-options.js';
import { SdkProvider } from './sdk-provider.js';

export type OpenAIProviderOptions = SdkProviderOptions;

/**
 * Chat Completions through the official `openai` SDK. Works against api.openai.com and any
 * OpenAI-compatible server (Ollama, vLLM, LiteLLM, OpenRouter, DeepSeek) via `baseURL`.
 * Streams when the request has `onDelta`, otherwise makes one plain request.
 */
export class OpenAIProvider extends SdkProvider<ChatCompletionCreateParamsBase> {
  private readonly client: OpenAI;

  constructor(options: OpenAIProviderOptions) {
    super(options, { name: 'openai', apiDescription: 'an OpenAI-compatible API' });
    this.client = new OpenAI({
      ...sdkClientOptions(options, this.baseURL),
      // Credentials and routing come from our config only, never from stray env vars.
      organization: null,
      project: null,
    });
  }

  protected buildParams(request: ChatRequest, model: string): ChatCompletionCreateParamsBase {
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

  protected describeRequest(_params: ChatCompletionCreateParamsBase, request: ChatRequest): { messages: number } {
    return { messages: request.messages.length };
  }

  /** OpenAI's reasoning models accept only the default temperature. */
  private rejectsTemperature(model: string): boolean {
    return this.name === 'openai' && /^(o\d|gpt-5)/.test(model);
  }

  protected async plainChat(params: ChatCompletionCreateParamsBase, signal: AbortSignal | undefined): Promise<LLMResponse> {
    const completion = await this.client.chat.completions.create({ ...params, stream: false }, { signal });
    return fromChatCompletion(this.parse(ChatCompletionSchema, completion, 'response'));
  }

  protected async streamChat(
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
      const text = accumulator.add(this.parse(ChatCompletionChunkSchema, chunk, 'stream chunk'));
      if (text) onDelta(text);
    }
    return accumulator.result();
  }
}
