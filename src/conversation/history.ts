import { contentText, type Message } from '../core/messages.js';
import { headTail } from '../core/text.js';

/**
 * Pure functions that turn stored messages into prompt history: turn grouping, tool-call
 * repair, the memory window and the token budget.
 */

/** Rough token count: ~4 characters per token, plus a little per message; an image counts as a fixed cost. */
export const CHARS_PER_TOKEN = 4;
const MESSAGE_OVERHEAD_TOKENS = 4;
const IMAGE_TOKENS = 1_500;

export function estimateTokens(message: Message): number {
  let chars = 0;
  let images = 0;
  if (typeof message.content === 'string') chars += message.content.length;
  else if (Array.isArray(message.content)) {
    for (const part of message.content) {
      if (part.type === 'text') chars += part.text.length;
      else images += 1;
    }
  }
  for (const call of message.toolCalls ?? []) chars += call.name.length + JSON.stringify(call.arguments).length;
  chars += message.reasoningContent?.length ?? 0;
  for (const block of message.thinkingBlocks ?? []) chars += (block.thinking ?? block.data ?? '').length;
  return Math.ceil(chars / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS + images * IMAGE_TOKENS;
}

export function estimateTotalTokens(messages: readonly Message[]): number {
  return messages.reduce((sum, message) => sum + estimateTokens(message), 0);
}

/**
 * Keeps each turn's messages together, in order of the turn's first message. Turns are
 * written in one append, so this only matters when a retried turn completed a partial one.
 */
export function groupByTurn<T extends Message>(messages: readonly T[]): T[] {
  const groups = new Map<string, T[]>();
  messages.forEach((message, index) => {
    const key = message.turnId === undefined ? `\u0000${index}` : `t:${message.turnId}`;
    const group = groups.get(key);
    if (group) group.push(message);
    else groups.set(key, [message]);
  });
  return [...groups.values()].flat();
}

/**
 * Every tool call is answered and every tool result answers a call: an assistant message's
 * calls must be followed directly by their results. Unanswered calls are removed (the
 * assistant message too if nothing else is left), orphan and duplicate results dropped.
 */
export function repairToolPairs<T extends Message>(messages: readonly T[]): T[] {
  const repaired: T[] = [];
  let i = 0;
  while (i < messages.length) {
    const message = messages[i]!;
    if (message.role === 'tool') {
      i += 1; // orphan: no assistant call directly before it
      continue;
    }
    if (message.role !== 'assistant' || !message.toolCalls || message.toolCalls.length === 0) {
      repaired.push(message);
      i += 1;
      continue;
    }
    let j = i + 1;
    const results = new Map<string, T>();
    const callIds = new Set(message.toolCalls.map((call) => call.id));
    for (; j < messages.length && messages[j]!.role === 'tool'; j++) {
      const result = messages[j]!;
      if (result.toolCallId !== undefined && callIds.has(result.toolCallId) && !results.has(result.toolCallId)) {
        results.set(result.toolCallId, result);
      }
    }
    const answered = message.toolCalls.filter((call) => results.has(call.id));
    if (answered.length === message.toolCalls.length) {
      repaired.push(message);
    } else if (answered.length > 0) {
      repaired.push({ ...message, toolCalls: answered });
    } else if (contentText(message.content).trim() !== '') {
      const { toolCalls: _dropped, ...withoutCalls } = message;
      repaired.push(withoutCalls as T);
    }
    for (const call of answered) repaired.push(results.get(call.id)!);
    i = j;
  }
  return repaired;
}

/** History sent to a model starts with a user message. */
export function startAtUser<T extends Message>(messages: readonly T[]): T[] {
  const first = messages.findIndex((message) => message.role === 'user');
  return first < 0 ? [] : messages.slice(first);
}

/** Group, repair and trim stored messages into history a provider accepts. */
export function cleanHistory<T extends Message>(messages: readonly T[]): T[] {
  return startAtUser(repairToolPairs(groupByTurn(messages)));
}

/**
 * The last `window` messages, starting at a turn's user message so a tool call is never
 * separated from its results. When the newest turn alone is longer than the window, that
 * whole turn is kept.
 */
export function applyMemoryWindow<T extends Message>(messages: readonly T[], window: number): T[] {
  if (messages.length <= window) return [...messages];
  let start = messages.length - window;
  while (start < messages.length && messages[start]!.role !== 'user') start += 1;
  if (start >= messages.length) {
    start = messages.length - window;
    while (start > 0 && messages[start]!.role !== 'user') start -= 1;
  }
  return messages.slice(start);
}

export interface TokenBudgetOptions {
  /** Tokens the whole prompt may use. */
  budget: number;
  /** Tokens already taken by the system prompt and the new user message. */
  fixedTokens: number;
  /** Characters of an old tool output kept (head + tail) when it is compacted. */
  toolPreviewChars?: number;
}

export const COMPACTED_NOTE = '[Older tool output shortened to save context; run the tool again if you need all of it.]';
const DEFAULT_TOOL_PREVIEW_CHARS = 1_000;

/**
 * Fits history into a token budget. Old tool outputs are compacted first (oldest first, to a
 * head+tail preview), then the oldest turns are dropped. The newest turn is always kept.
 */
export function fitTokenBudget<T extends Message>(history: readonly T[], opts: TokenBudgetOptions): T[] {
  const previewChars = opts.toolPreviewChars ?? DEFAULT_TOOL_PREVIEW_CHARS;
  const result = [...history];
  const costs = result.map(estimateTokens);
  let total = opts.fixedTokens + costs.reduce((a, b) => a + b, 0);
  if (total <= opts.budget) return result;

  const newestTurnStart = Math.max(
    0,
    result.findLastIndex((message) => message.role === 'user'),
  );
  for (let i = 0; i < newestTurnStart && total > opts.budget; i++) {
    const message = result[i]!;
    if (message.role !== 'tool' || typeof message.content !== 'string') continue;
    if (message.content.length <= previewChars + COMPACTED_NOTE.length + 100) continue;
    const compacted = { ...message, content: `${headTail(message.content, previewChars)}\n${COMPACTED_NOTE}` };
    const cost = estimateTokens(compacted);
    total += cost - costs[i]!;
    costs[i] = cost;
    result[i] = compacted;
  }

  let start = 0;
  while (total > opts.budget && start < newestTurnStart) {
    let next = start + 1;
    while (next < newestTurnStart && result[next]!.role !== 'user') next += 1;
    for (let k = start; k < next; k++) total -= costs[k]!;
    start = next;
  }
  return result.slice(start);
}
