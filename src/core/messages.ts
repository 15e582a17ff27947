/**
 * The common message format every part of the system speaks. Providers convert it to and
 * from their wire formats; the conversation store persists it as JSONL.
 */

import type { ToolDecisionRecord } from './tool-hooks.js';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImagePart {
  type: 'image';
  /** e.g. image/png */
  mediaType: string;
  /** base64 data (no data: prefix) or an http(s) URL */
  data?: string;
  url?: string;
}

export type ContentPart = TextPart | ImagePart;

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** Set when the model's argument JSON could not be parsed or repaired; the call is answered with this error. */
  argumentsError?: string;
}

/** Provider reasoning blocks that must be passed back verbatim (Anthropic thinking). */
export interface ThinkingBlock {
  type: 'thinking' | 'redacted_thinking';
  thinking?: string;
  signature?: string;
  data?: string;
}

export interface Message {
  role: Role;
  content: string | ContentPart[] | null;
  /** assistant: the tool calls the model asked for */
  toolCalls?: ToolCall[];
  /** tool: which call this answers */
  toolCallId?: string;
  /** tool: the tool's name */
  name?: string;
  reasoningContent?: string;
  thinkingBlocks?: ThinkingBlock[];
  /** ISO time the message was created (set by the store, not the loop: the loop has no clock) */
  timestamp?: string;
  /** the turn that produced the message; makes recording idempotent */
  turnId?: string;
  /** assistant: the tokens of the model call that wrote it (read by `exoclaw-temporal usage`; never sent to a model) */
  usage?: Usage;
  /** assistant: the model that wrote it, as asked for (`provider/model`) */
  model?: string;
  /** tool: who allowed or denied the call, when a policy, hook or person decided it (the audit trail; never sent to a model) */
  decision?: ToolDecisionRecord;
}

/**
 * A reference to `count` messages stored outside the workflow history (content-addressed).
 * Durable executors hand these around instead of transcripts so history stays small.
 */
export interface MessageRef {
  ref: string;
  count: number;
}

/** What the loop holds: a message, or a reference the executor knows how to resolve. */
export type MessageHandle = Message | MessageRef;

export function isMessageRef(handle: MessageHandle): handle is MessageRef {
  return typeof (handle as MessageRef).ref === 'string';
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0 });

export function addUsage(a: Usage, b: Partial<Usage> | undefined): Usage {
  return {
    inputTokens: a.inputTokens + (b?.inputTokens ?? 0),
    outputTokens: a.outputTokens + (b?.outputTokens ?? 0),
  };
}

/** Plain text of a message's content (image parts are skipped). */
export function contentText(content: Message['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .filter((part): part is TextPart => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
}
