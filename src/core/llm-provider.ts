import type { Message, ThinkingBlock, ToolCall, Usage } from './messages.js';
import type { AbortSignalLike } from './abort.js';
import type { ModelSettings } from './model-settings.js';

/** A tool as the model sees it (JSON Schema parameters). */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: JsonSchema;
}

export type JsonSchema = { [key: string]: unknown };

export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'error' | (string & {});

export interface LLMResponse {
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  reasoningContent?: string | null;
  thinkingBlocks?: ThinkingBlock[];
  /** the model that answered, as the provider reported it */
  model?: string;
}

export function hasToolCalls(response: LLMResponse): boolean {
  return response.toolCalls.length > 0;
}

export interface ChatRequest extends Omit<ModelSettings, 'model'> {
  messages: Message[];
  tools: ToolDefinition[];
  /** The provider's own model name (its prefix already routed). */
  model: string;
  /** force a specific tool (used by memory consolidation) */
  toolChoice?: { name: string };
  signal?: AbortSignalLike;
  /** streamed text as it arrives; providers that stream call this */
  onDelta?: (text: string) => void;
}

/**
 * Any LLM. Implementations throw `LLMError` (see errors.ts) so callers can tell retryable
 * failures from ones that need a human.
 */
export interface LLMProvider {
  defaultModel(): string;
  chat(request: ChatRequest): Promise<LLMResponse>;
}
