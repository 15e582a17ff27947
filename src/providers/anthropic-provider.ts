import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import type { z } from 'zod';
import { LLMError } from '../core/errors.js';
import type { ChatRequest, LLMProvider, LLMResponse } from '../core/llm-provider.js';
import type { Logger } from '../logger.js';
import { toAnthropicPrompt, toAnthropicTools } from './anthropic-messages.js';
import {
  AnthropicMessageSchema,
  AnthropicStreamAccumulator,
  AnthropicStreamEventSchema,
  fromAnthropicMessage,
} from './anthropic-response.js';
import { cancellationError, classifyError, isUserAbort, type ErrorContext } from './classify-error.js';
import { logResponse } from './log-response.js';
import { DEFAULT_TIMEOUT_MS, sdkProviderSetup, type SdkProviderOptions } from './provider-options.js';
import { ANTHROPIC_DEFAULT_BASE_URL } from './provider-table.js';

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
export class AnthropicProvider implements LLMProvider {
  private readonly client: Anthropic;
  private readonly name: string;
  private readonly model: string;
  /** the API root requests go to */
  readonly baseURL: string;
  private readonly log: Logger;
  private readonly errorContext: Omit<ErrorContext, 'model'>;

  constructor(options: AnthropicProviderOptions) {
    ({ name: this.name, model: this.model, baseURL: this.baseURL, log: this.log, errorContext: this.errorContext } =
      sdkProviderSetup(options, { name: 'anthropic', keyEnv: 'ANTHROPIC_API_KEY', model: 'claude-sonnet-4-6', baseURL: ANTHROPIC_DEFAULT_BASE_URL }));
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: this.baseURL,
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
    const params = buildParams(request, model);
    const stream = request.onDelta !== undefined;
    const signal = request.signal as AbortSignal | undefined;
    this.log.debug(
      { model, messages: params.messages.length, tools: request.tools.length, stream, thinking: params.thinking?.type ?? 'off' },
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

  private async plainChat(params: MessageCreateParamsBase, signal: AbortSignal | undefined): Promise<LLMResponse> {
    const message = await this.client.messages.create({ ...params, stream: false }, { signal });
    return fromAnthropicMessage(parseOrThrow(AnthropicMessageSchema, message, 'response'));
  }

  private async streamChat(
    params: MessageCreateParamsBase,
    onDelta: (text: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<LLMResponse> {
    const stream = await this.client.messages.create({ ...params, stream: true }, { signal });
    const accumulator = new AnthropicStreamAccumulator();
    let stopped = false;
    for await (const event of stream) {
      const text = accumulator.add(parseOrThrow(AnthropicStreamEventSchema, event, 'stream event'));
      if (text) onDelta(text);
      if (event.type === 'message_stop') stopped = true;
    }
    if (!stopped) {
      throw new LLMError('The stream ended before message_stop: the connection was probably cut. It will be retried.', {
        kind: 'connection',
      });
    }
    return accumulator.result();
  }
}

function buildParams(request: ChatRequest, model: string): MessageCreateParamsBase {
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

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') || '(root)';
  throw new LLMError(
    `The server sent an unexpected ${what}: ${path}: ${issue?.message ?? 'invalid'}. Is the base URL an Anthropic Messages API?`,
    { kind: 'invalid_response' },
  );
}
