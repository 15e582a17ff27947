import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FinishReason, LLMResponse } from '../core/llm-provider.js';
import type { ToolCall, Usage } from '../core/messages.js';
import { toolCallFrom } from './tool-call-arguments.js';

/*
 * Chat Completions responses, checked with zod: OpenAI-compatible servers (Ollama, vLLM,
 * proxies) differ in what they omit, so everything not essential is optional.
 */

const UsageSchema = z
  .looseObject({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() })
  .nullish();

const ToolCallSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.unknown().optional() }).nullish(),
});

const ReasoningFields = {
  reasoning_content: z.string().nullish(),
  // OpenRouter and some proxies name it `reasoning`
  reasoning: z.string().nullish(),
};

export const ChatCompletionSchema = z.looseObject({
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        finish_reason: z.string().nullish(),
        message: z.looseObject({
          content: z.string().nullish(),
          tool_calls: z.array(ToolCallSchema).nullish(),
          ...ReasoningFields,
        }),
      }),
    )
    .min(1, 'the response had no choices'),
  usage: UsageSchema,
});

export const ChatCompletionChunkSchema = z.looseObject({
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        finish_reason: z.string().nullish(),
        delta: z
          .looseObject({
            content: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number().nullish(),
                  id: z.string().nullish(),
                  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
            ...ReasoningFields,
          })
          .nullish(),
      }),
    )
    .nullish(),
  usage: UsageSchema,
});

export type ChatCompletionShape = z.infer<typeof ChatCompletionSchema>;
export type ChatCompletionChunkShape = z.infer<typeof ChatCompletionChunkSchema>;

export function usageOf(usage: z.infer<typeof UsageSchema>): Usage {
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
}

function finishReasonOf(reason: string | null | undefined, toolCalls: ToolCall[]): FinishReason {
  // Some compatible servers say `stop` even when they return tool calls.
  if (toolCalls.length > 0 && (reason === 'stop' || !reason)) return 'tool_calls';
  return reason ?? 'stop';
}

function fallbackId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

export function fromChatCompletion(completion: ChatCompletionShape): LLMResponse {
  const choice = completion.choices[0];
  const message = choice?.message;
  const toolCalls = (message?.tool_calls ?? [])
    .filter((call) => call.function?.name)
    .map((call) => toolCallFrom(call.id || fallbackId(), call.function?.name ?? '', call.function?.arguments));
  const response: LLMResponse = {
    content: message?.content ?? null,
    toolCalls,
    finishReason: finishReasonOf(choice?.finish_reason, toolCalls),
    usage: usageOf(completion.usage),
  };
  const reasoning = message?.reasoning_content ?? message?.reasoning;
  if (reasoning) response.reasoningContent = reasoning;
  if (completion.model) response.model = completion.model;
  return response;
}

/** Folds streamed chunks into one response; tool-call pieces are joined by their index. */
export class ChatCompletionAccumulator {
  private content = '';
  private reasoning = '';
  private finishReason: string | null | undefined;
  private usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private model: string | undefined;
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();

  /** Adds a chunk; returns the text it carried (for `onDelta`). */
  add(chunk: ChatCompletionChunkShape): string {
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = usageOf(chunk.usage);
    let text = '';
    for (const choice of chunk.choices ?? []) {
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (!delta) continue;
      if (typeof delta.content === 'string') {
        this.content += delta.content;
        text += delta.content;
      }
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) this.reasoning += reasoning;
      for (const piece of delta.tool_calls ?? []) {
        const index = piece.index ?? this.calls.size;
        const call = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
        if (piece.id) call.id = piece.id;
        if (piece.function?.name && !call.name) call.name = piece.function.name;
        if (piece.function?.arguments) call.arguments += piece.function.arguments;
        this.calls.set(index, call);
      }
    }
    return text;
  }

  result(): LLMResponse {
    const toolCalls = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, call]) => call.name)
      .map(([, call]) => toolCallFrom(call.id || fallbackId(), call.name, call.arguments));
    const response: LLMResponse = {
      content: this.content === '' ? null : this.content,
      toolCalls,
      finishReason: finishReasonOf(this.finishReason, toolCalls),
      usage: this.usage,
    };
    if (this.reasoning) response.reasoningContent = this.reasoning;
    if (this.model) response.model = this.model;
    return response;
  }
}
