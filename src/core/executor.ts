import type { AbortSignalLike } from './abort.js';
import type { LLMResponse } from './llm-provider.js';
import type { Message, MessageHandle, ToolCall } from './messages.js';
import type { ModelSettings } from './model-settings.js';
import { stripThink } from './text.js';
import type { ToolDecisionRecord } from './tool-hooks.js';

/**
 * How the loop performs I/O: one method per operation, so each can run differently
 * (inline in-process, or as a Temporal activity with its own timeouts and retries).
 * Executors exchange `MessageHandle`s: the in-process one passes messages, the durable one
 * passes references so workflow history never carries the transcript.
 */
export interface Executor {
  buildPrompt(req: BuildPromptStep): Promise<MessageHandle[]>;
  chat(req: ChatStep): Promise<ChatStepResult>;
  executeTool(req: ToolStep): Promise<ToolStepResult>;
  record(req: RecordStep): Promise<void>;
  clear(sessionId: string): Promise<boolean>;
  /**
   * The iteration limit the executor's environment sets (e.g. the worker's config), read after
   * `buildPrompt`; a turn's own `maxIterations` wins over it.
   */
  readonly maxIterations?: number;
}

/** One user message of one turn, and where it came from. */
export interface TurnMessage {
  sessionId: string;
  /** Unique per turn; makes recording idempotent. Comes from the caller: the core has no randomness. */
  turnId: string;
  message: string;
  channel?: string;
  chatId?: string;
  media?: string[];
  /**
   * Per-message context from the client (the reference's `plugin_context`): joins the system
   * prompt like a tool's `systemContext()` and reaches every tool as `ctx.pluginContext`.
   */
  pluginContext?: string[];
}

export interface BuildPromptStep extends TurnMessage {
  /** Text from `onPreContext`, appended to the system prompt. */
  extraContext?: string[];
}

export interface ChatStep {
  sessionId: string;
  turnId: string;
  iteration: number;
  messages: MessageHandle[];
  /** The turn's own settings; the executor fills in its defaults. */
  settings: ModelSettings;
  signal?: AbortSignalLike;
}

export interface ChatStepResult {
  response: LLMResponse;
  /** The assistant message for the transcript (built with `assistantMessage`). */
  message: MessageHandle;
}

export interface ToolStep {
  sessionId: string;
  turnId: string;
  iteration: number;
  call: ToolCall;
  channel?: string;
  chatId?: string;
  /** The platform id of the message the turn answers. */
  messageId?: string;
  /** The turn's per-message context (`TurnMessage.pluginContext`), for the tool's context. */
  pluginContext?: string[];
  /** Who allowed this call (policy, hook, a person): recorded with its tool message. */
  decision?: ToolDecisionRecord;
  signal?: AbortSignalLike;
}

export interface ToolStepResult {
  /** The tool message for the transcript (built with `toolResultMessage`). */
  message: MessageHandle;
  isError: boolean;
  /** A short head of the result, for progress displays and history readers. */
  preview: string;
  /** The tool already answered the current chat; the loop must not send a second reply. */
  replied?: boolean;
}

export interface RecordStep {
  sessionId: string;
  turnId: string;
  /** The user message first, then the turn's assistant and tool messages. */
  messages: MessageHandle[];
}

/**
 * The assistant message that records a model response (a final answer is stored without
 * `<think>`), with the call's token usage and the model asked for (else the one that answered).
 */
export function assistantMessage(response: LLMResponse, turnId: string, model?: string): Message {
  const final = response.toolCalls.length === 0;
  const content = final ? stripThink(response.content) : response.content;
  const message: Message = { role: 'assistant', content, turnId };
  message.usage = { inputTokens: response.usage.inputTokens, outputTokens: response.usage.outputTokens };
  const answeredBy = model ?? response.model;
  if (answeredBy) message.model = answeredBy;
  if (response.toolCalls.length > 0) message.toolCalls = response.toolCalls;
  if (response.reasoningContent) message.reasoningContent = response.reasoningContent;
  if (response.thinkingBlocks && response.thinkingBlocks.length > 0) {
    message.thinkingBlocks = response.thinkingBlocks;
  }
  return message;
}

/** The tool message that answers `call` (with who allowed or denied it, when someone decided). */
export function toolResultMessage(call: ToolCall, result: string, turnId: string, decision?: ToolDecisionRecord): Message {
  const message: Message = { role: 'tool', toolCallId: call.id, name: call.name, content: result, turnId };
  if (decision) message.decision = decision;
  return message;
}
