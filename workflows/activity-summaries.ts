import { firstLine, isMessageRef, type MessageHandle, type ToolCall } from '../src/core/index.js';

/**
 * One-line activity summaries for the Web UI's event history ("llmChat step 2: 7 messages, after
 * 3 tool calls", "exec: sleep 20…"). Built in workflow code from the step's own input, so they
 * are deterministic; they quote at most the first line of one value, capped, never a prompt.
 * Payload encryption covers them like any other payload.
 */
const QUOTE_CHARS = 60;

export function buildPromptSummary(message: string): string {
  const line = firstLine(message, QUOTE_CHARS);
  return line ? `buildPrompt: ${line}` : 'buildPrompt';
}

export function llmChatSummary(step: { iteration: number; messages: MessageHandle[]; model?: string }, afterToolCalls: number): string {
  const parts = [`${plural(messageCount(step.messages), 'message')}`];
  if (afterToolCalls > 0) parts.push(`after ${plural(afterToolCalls, 'tool call')}`);
  const model = step.model ? ` (${firstLine(step.model, QUOTE_CHARS)})` : '';
  return `llmChat step ${step.iteration}: ${parts.join(', ')}${model}`;
}

/** The tool and its first argument: `exec: sleep 20 && echo done`, `read_file: notes/a.txt`. */
export function toolCallSummary(call: Pick<ToolCall, 'name' | 'arguments'>): string {
  const name = firstLine(call.name, QUOTE_CHARS);
  const first = Object.values(call.arguments ?? {})[0];
  if (first === undefined || first === null) return name;
  const line = firstLine(typeof first === 'string' ? first : JSON.stringify(first), QUOTE_CHARS);
  return line ? `${name}: ${line}` : name;
}

export function recordTurnSummary(messages: MessageHandle[]): string {
  return `recordTurn: ${plural(messageCount(messages), 'message')}`;
}

/** How many messages the handles stand for (a reference counts its messages). */
export function messageCount(handles: MessageHandle[]): number {
  return handles.reduce((sum, handle) => sum + (isMessageRef(handle) ? handle.count : 1), 0);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
