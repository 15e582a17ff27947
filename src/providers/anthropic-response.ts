import { z } from 'zod';
import type { FinishReason, LLMResponse } from '../core/llm-provider.js';
import type { ThinkingBlock, ToolCall, Usage } from '../core/messages.js';
import { toolCallFrom } from './tool-call-arguments.js';

/* Messages API responses and stream events, checked with zod (loosely: only what we read). */

const UsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});

const ContentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  thinking: z.string().nullish(),
  signature: z.string().nullish(),
  data: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
  input: z.unknown().optional(),
});

export const AnthropicMessageSchema = z.looseObject({
  model: z.string().nullish(),
  stop_reason: z.string().nullish(),
  content: z.array(ContentBlockSchema),
  usage: UsageSchema.nullish(),
});

export const AnthropicStreamEventSchema = z.looseObject({
  type: z.string(),
  index: z.number().nullish(),
  message: z.looseObject({ model: z.string().nullish(), usage: UsageSchema.nullish() }).nullish(),
  content_block: ContentBlockSchema.nullish(),
  delta: z
    .looseObject({
      type: z.string().nullish(),
      text: z.string().nullish(),
      partial_json: z.string().nullish(),
      thinking: z.string().nullish(),
      signature: z.string().nullish(),
      stop_reason: z.string().nullish(),
    })
    .nullish(),
  usage: UsageSchema.nullish(),
});

type ContentBlockShape = z.infer<typeof ContentBlockSchema>;
export type AnthropicMessageShape = z.infer<typeof AnthropicMessageSchema>;
export type AnthropicStreamEventShape = z.infer<typeof AnthropicStreamEventSchema>;

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
};

export function finishReasonOf(stopReason: string | null | undefined): FinishReason {
  if (!stopReason) return 'stop';
  return STOP_REASONS[stopReason] ?? stopReason;
}

/** Cached and uncached input tokens together: what the prompt cost in context. */
function inputTokensOf(usage: z.infer<typeof UsageSchema> | null | undefined): number {
  return (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0);
}

export function fromAnthropicMessage(message: AnthropicMessageShape): LLMResponse {
  return buildResponse(message.content, message.stop_reason, {
    inputTokens: inputTokensOf(message.usage),
    outputTokens: message.usage?.output_tokens ?? 0,
  }, message.model);
}

type Block = ContentBlockShape & { rawJson?: string };

function buildResponse(
  blocks: readonly Block[],
  stopReason: string | null | undefined,
  usage: Usage,
  model: string | null | undefined,
): LLMResponse {
  const texts: string[] = [];
  const thinkingBlocks: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of blocks) {
    if (block.type === 'text' && block.text) texts.push(block.text);
    else if (block.type === 'thinking') {
      thinkingBlocks.push({ type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' });
    } else if (block.type === 'redacted_thinking') {
      thinkingBlocks.push({ type: 'redacted_thinking', data: block.data ?? '' });
    } else if (block.type === 'tool_use' && block.name) {
      // Streamed input arrives as raw JSON text; repair it ourselves rather than lose the call.
      const raw = block.rawJson !== undefined && block.rawJson !== '' ? block.rawJson : block.input;
      toolCalls.push(toolCallFrom(block.id ?? '', block.name, raw));
    }
  }
  const response: LLMResponse = {
    content: texts.length > 0 ? texts.join('') : null,
    toolCalls,
    finishReason: finishReasonOf(stopReason),
    usage,
  };
  if (thinkingBlocks.length > 0) {
    response.thinkingBlocks = thinkingBlocks;
    const reasoning = thinkingBlocks.map((block) => block.thinking ?? '').join('\n').trim();
    if (reasoning) response.reasoningContent = reasoning;
  }
  if (model) response.model = model;
  return response;
}

/**
 * Folds raw stream events into one response. We accumulate ourselves instead of using the
 * SDK's `MessageStream`: its partial-JSON parser throws on a broken tool-input fragment and
 * the whole answer would be lost, where we can repair it or report it to the model.
 */
export class AnthropicStreamAccumulator {
  private readonly blocks: Block[] = [];
  private stopReason: string | null | undefined;
  private model: string | null | undefined;
  private usage: Usage = { inputTokens: 0, outputTokens: 0 };

  /** Adds an event; returns the answer text it carried (for `onDelta`). */
  add(event: AnthropicStreamEventShape): string {
    switch (event.type) {
      case 'message_start':
        this.model = event.message?.model;
        this.usage = { inputTokens: inputTokensOf(event.message?.usage), outputTokens: event.message?.usage?.output_tokens ?? 0 };
        return '';
      case 'content_block_start':
        if (event.content_block && event.index !== null && event.index !== undefined) {
          this.blocks[event.index] = { ...event.content_block };
        }
        return '';
      case 'content_block_delta':
        return this.applyDelta(event);
      case 'message_delta':
        if (event.delta?.stop_reason) this.stopReason = event.delta.stop_reason;
        if (event.usage?.output_tokens !== null && event.usage?.output_tokens !== undefined) {
          this.usage = { ...this.usage, outputTokens: event.usage.output_tokens };
        }
        if (event.usage?.input_tokens) this.usage = { ...this.usage, inputTokens: inputTokensOf(event.usage) };
        return '';
      default:
        return '';
    }
  }

  private applyDelta(event: AnthropicStreamEventShape): string {
    const block = this.blocks[event.index ?? -1];
    const delta = event.delta;
    if (!block || !delta) return '';
    switch (delta.type) {
      case 'text_delta':
        block.text = (block.text ?? '') + (delta.text ?? '');
        return delta.text ?? '';
      case 'thinking_delta':
        block.thinking = (block.thinking ?? '') + (delta.thinking ?? '');
        return '';
      case 'signature_delta':
        block.signature = delta.signature ?? '';
        return '';
      case 'input_json_delta':
        block.rawJson = (block.rawJson ?? '') + (delta.partial_json ?? '');
        return '';
      default:
        return '';
    }
  }

  result(): LLMResponse {
    return buildResponse(this.blocks.filter(Boolean), this.stopReason, this.usage, this.model);
  }
}
