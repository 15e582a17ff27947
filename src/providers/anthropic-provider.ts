import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import { LLMError } from '../core/errors.js';
import type { ChatRequest, LLMResponse } from '../core/llm-provider.js';
import { toAnthropicPrompt, toAnthropicTools } from './anthropic-messages.js';
import {
  AnthropicMessageSchema,
  AnthropicStreamAccumulator,
  AnthropicStreamEventSchema,
  fromAnthropicMessage,
} from './anthropic-response.js';
import { sdkClientOptions, type SdkProviderOptions } from './provider-options.js';
import { SdkProvider } from './sdk-provider.js';

export type AnthropicProviderOptions = SdkProviderOptions;

const DEFAULT_MAX_TOKENS = 8192;

/** reasoningEffort → extended-thinking budget. */
const THINKING_BUDGETS: Record<string, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
};

/** The thinking budget for a reasoning effort, or undefined for no extended thinking. */
export function thinkingBudget(effort: string | null | undefined): number | undefined {
  if (!effort) return undefined;
  const key = effort.trim().toLowerCase();
  if (key === 'none' || key === 'off' || key === 'disabled') return undefined;
  const numeric = Number(key);
  if (Number.isInteger(numeric) && numeric > 0) return Math.max(1024, numeric);
  return THINKING_BUDGETS[key] ?? THINKING_BUDGETS.medium;
}

/**
 * The Messages API through the official `@anthropic-ai/sdk`: cached system prompt, tool_use /
 * tool_result blocks, extended thinking passed back verbatim. Streams when the request has
 * `onDelta`, otherwise makes one plain request.
 */
export class AnthropicProvider extends SdkProvider<MessageCreateParamsBase> {
  private readonly client: Anthropic;

  constructor(options: AnthropicProviderOptions) {
    super(options, { name: 'anthropic', apiDescription: 'an Anthropic Messages API' });
    this.client = new Anthropic(sdkClientOptions(options, this.baseURL));
  }

  protected buildParams(request: ChatRequest, model: string): MessageCreateParamsBase {
    const prompt = toAnthropicPrompt(request.messages);
    const maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
    // A forced tool call cannot be combined with extended thinking.
    const budget = request.toolChoice ? undefined : thinkingBudget(request.reasoningEffort);
    const params: MessageCreateParamsBase = {
      model,
      messages: prompt.messages,
      max_tokens: budget === undefined ? maxTokens : Math.max(maxTokens, budget + 1024),
    };
    if (prompt.system) params.system = prompt.system;
    if (request.tools.length > 0) params.tools = toAnthropicTools(request.tools);
    if (request.toolChoice) params.tool_choice = { type: 'tool', name: request.toolChoice.name };
    if (budget !== undefined) params.thinking = { type: 'enabled', budget_tokens: budget };
    // No `temperature`: this SDK's Messages API no longer has sampling parameters.
    return params;
  }

  protected describeRequest(params: MessageCreateParamsBase): { messages: number; thinking: string } {
    return { messages: params.messages.length, thinking: params.thinking?.type ?? 'off' };
  }

  protected async plainChat(params: MessageCreateParamsBase, signal: AbortSignal | undefined): Promise<LLMResponse> {
    const message = await this.client.messages.create({ ...params, stream: false }, { signal });
    return fromAnthropicMessage(this.parse(AnthropicMessageSchema, message, 'response'));
  }

  protected async streamChat(
    params: MessageCreateParamsBase,
    onDelta: (text: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<LLMResponse> {
    const stream = await this.client.messages.create({ ...params, stream: true }, { signal });
    const accumulator = new AnthropicStreamAccumulator();
    let stopped = false;
    for await (const event of stream) {
      const text = accumulator.add(this.parse(AnthropicStreamEventSchema, event, 'stream event'));
      if (text) onDelta(text);
      if (event.type === 'message_stop') stopped = true;
    }
    if (!stopped) {
      throw new LLMError('The stream ended before message_stop: the connection was probably cut.', {
        kind: 'connection',
      });
    }
    return accumulator.result();
  }
}
