import { oneLine } from '../../src/core/text.js';
import type { ConversationView, ViewMessage } from './conversation-view.js';
import { REGEX_FLAGS, renderTemplate, renderValue, type MalformedMode, type ParsedRule } from './script-schema.js';

/** What the scripted model answers, before it is put on the wire. */
export interface ScriptedReply {
  text: string | null;
  toolCalls: { name: string; arguments: Record<string, unknown> }[];
  thinking?: string;
  malformed?: MalformedMode;
  delayMs?: number;
  /** streamed answers: how many text deltas, and the pause between two SSE events */
  stream?: { pieces?: number; pauseMs?: number };
  /** which rule answered (for debugging fixtures) */
  ruleName: string;
}

/** Said by every fallback answer, so nobody mistakes the scripted model for a real one. */
export const SCRIPTED_MODEL_TAG = '[scripted-llm]';

const NAME_FACT = /(?:my|user'?s) name is\s+([A-Za-z][\w'-]*)/gi;
const REMEMBER_FACT = /\bremember(?: that)?\s+([^\n.!?]+)/gi;

/** The first rule that matches decides; when none does, the answer echoes the user. */
export function evaluateRules(rules: readonly ParsedRule[], view: ConversationView, requestNumber: number): ScriptedReply {
  const facts = conversationFacts(view);
  for (const [index, rule] of rules.entries()) {
    const captures = matchRule(rule, view, requestNumber, facts);
    if (!captures) continue;
    const vars = { ...facts.vars, ...captures };
    const reply: ScriptedReply = {
      text: rule.reply.text === undefined ? null : renderTemplate(rule.reply.text, vars),
      toolCalls: (rule.reply.toolCalls ?? []).map((call) => ({
        name: renderTemplate(call.name, vars),
        arguments: renderValue(call.arguments, vars) as Record<string, unknown>,
      })),
      ruleName: rule.name ?? `rule ${index + 1}`,
    };
    if (rule.reply.thinking !== undefined) reply.thinking = renderTemplate(rule.reply.thinking, vars);
    if (rule.reply.malformedArguments) reply.malformed = rule.reply.malformedArguments;
    if (rule.delayMs !== undefined) reply.delayMs = rule.delayMs;
    if (rule.stream) reply.stream = rule.stream;
    return reply;
  }
  return { text: `${SCRIPTED_MODEL_TAG} You said: ${facts.vars.lastUser}`, toolCalls: [], ruleName: 'echo fallback' };
}

interface Facts {
  vars: Record<string, string>;
  lastUser: string;
  earlierUsers: string[];
  system: string;
  turnResults: ViewMessage[];
  /** tool results answering the latest model response (several = a parallel batch) */
  lastBatch: ViewMessage[];
}

/** Everything the conditions and templates read, computed once per request. */
function conversationFacts(view: ConversationView): Facts {
  const lastUserIndex = findLastIndex(view.messages, (message) => message.role === 'user');
  const lastUser = withoutRuntimeContext(lastUserIndex >= 0 ? (view.messages[lastUserIndex]?.text ?? '') : '');
  const turnResults = view.messages.slice(lastUserIndex + 1).filter((message) => message.role === 'tool');
  const lastResult = turnResults[turnResults.length - 1];
  const lastAssistantIndex = findLastIndex(view.messages, (message) => message.role === 'assistant');
  const lastBatch = view.messages.slice(lastAssistantIndex + 1).filter((message) => message.role === 'tool');
  const earlierUsers = view.messages
    .slice(0, Math.max(lastUserIndex, 0))
    .filter((message) => message.role === 'user')
    .map((message) => message.text)
    .reverse();
  const system = view.messages
    .filter((message) => message.role === 'system')
    .map((message) => message.text)
    .join('\n');
  return {
    lastUser,
    earlierUsers,
    system,
    turnResults,
    lastBatch,
    vars: {
      lastUser: lastUser.trim(),
      lastToolResult: (lastResult?.text ?? '').trim(),
      lastToolName: lastResult?.toolName ?? '',
      toolResults: turnResults.map((result) => `${result.toolName || 'tool'}: ${result.text.trim()}`).join('\n'),
      model: view.model,
      summary: summaryOf(view),
      facts: factsOf(view),
    },
  };
}

function matchRule(rule: ParsedRule, view: ConversationView, requestNumber: number, facts: Facts): Record<string, string> | undefined {
  const when = rule.when;
  const captures: Record<string, string> = { requestNumber: String(requestNumber) };
  if (when.api !== undefined && when.api !== view.api) return undefined;
  if (when.nthRequest !== undefined && when.nthRequest !== requestNumber) return undefined;
  if (when.toolAvailable !== undefined && !view.tools.includes(when.toolAvailable)) return undefined;
  if (when.toolChoice !== undefined && when.toolChoice !== view.toolChoice) return undefined;
  if (when.hasToolResult !== undefined && when.hasToolResult !== facts.turnResults.length > 0) return undefined;
  if (when.minToolResults !== undefined && facts.turnResults.length < when.minToolResults) return undefined;
  if (when.minBatchResults !== undefined && facts.lastBatch.length < when.minBatchResults) return undefined;
  if (when.lastToolName !== undefined && when.lastToolName !== facts.vars.lastToolName) return undefined;
  if (when.modelMatches !== undefined && !new RegExp(when.modelMatches, REGEX_FLAGS).test(view.model)) return undefined;
  if (when.lastUserMatches !== undefined) {
    const match = new RegExp(when.lastUserMatches, REGEX_FLAGS).exec(facts.lastUser);
    if (!match) return undefined;
    addCaptures(captures, 'match', match);
  }
  if (when.lastToolResultMatches !== undefined) {
    const match = new RegExp(when.lastToolResultMatches, REGEX_FLAGS).exec(facts.vars.lastToolResult ?? '');
    if (!match) return undefined;
    addCaptures(captures, 'toolMatch', match);
  }
  if (when.historyMatches !== undefined) {
    const pattern = new RegExp(when.historyMatches, REGEX_FLAGS);
    let match: RegExpExecArray | null = null;
    for (const text of [...facts.earlierUsers, facts.system]) {
      match = pattern.exec(text);
      if (match) break;
    }
    if (!match) return undefined;
    addCaptures(captures, 'history', match);
  }
  return captures;
}

function addCaptures(into: Record<string, string>, prefix: string, match: RegExpExecArray): void {
  for (const [index, value] of match.entries()) into[`${prefix}.${index}`] = (value ?? '').trim();
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index--) if (predicate(items[index] as T)) return index;
  return -1;
}

/** A one-paragraph account of the conversation, for scripted memory consolidation. */
function summaryOf(view: ConversationView): string {
  const said = view.messages
    .filter((message) => message.role === 'user' || message.role === 'assistant')
    .map((message) => message.text)
    .filter(Boolean)
    .join(' | ');
  return `${SCRIPTED_MODEL_TAG} Conversation summary: ${oneLine(said, 400)}`;
}

/** Facts a scripted memory keeps: names and "remember …" requests found anywhere in the request. */
function factsOf(view: ConversationView): string {
  const lines = new Set<string>();
  for (const message of view.messages) {
    if (message.role === 'assistant') continue;
    for (const match of message.text.matchAll(NAME_FACT)) lines.add(`- User's name is ${match[1]}`);
    for (const match of message.text.matchAll(REMEMBER_FACT)) {
      const fact = (match[1] ?? '').trim();
      if (fact && !/^(that|this)$/i.test(fact)) lines.add(`- Remember: ${fact}`);
    }
  }
  const body = lines.size > 0 ? [...lines].join('\n') : '(nothing to remember yet)';
  return `# Long-term memory (written by the scripted LLM)\n${body}`;
}

/** The user's own words: the runtime-context block the context builder puts first is metadata. */
function withoutRuntimeContext(text: string): string {
  if (!text.startsWith('[Runtime context')) return text;
  const end = text.indexOf('\n\n');
  return end < 0 ? '' : text.slice(end + 2);
}
