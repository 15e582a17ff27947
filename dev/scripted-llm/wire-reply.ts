import { createHash } from 'node:crypto';
import { oneLine } from '../../src/core/text.js';
import type { ConversationView } from './conversation-view.js';
import type { ScriptedReply } from './rule-engine.js';
import type { MalformedMode } from './script-schema.js';

/** A reply ready for either wire format: ids assigned, arguments serialised (or broken on purpose). */
export interface WireReply {
  id: string;
  model: string;
  created: number;
  text: string | null;
  thinking?: { text: string; signature: string };
  toolCalls: { id: string; name: string; argumentsJson: string; valid: boolean; arguments: Record<string, unknown> }[];
  promptTokens: number;
  completionTokens: number;
  /** how many deltas a streamed text is split into (default 3) */
  textPieces?: number;
}

const SIGNATURE_PREFIX = 'scripted-sig-';

/** A signature only this server produces for exactly this thinking text (like Anthropic's). */
export function signThinking(thinking: string, secret: string): string {
  return SIGNATURE_PREFIX + createHash('sha256').update(secret).update('\0').update(thinking).digest('base64url').slice(0, 43);
}

export function buildWireReply(
  reply: ScriptedReply,
  view: ConversationView,
  opts: { requestNumber: number; idToken: string; signingSecret: string; malformed?: MalformedMode; promptChars: number },
): WireReply {
  const malformed = opts.malformed ?? reply.malformed;
  const prefix = view.api === 'anthropic' ? 'toolu' : 'call';
  const toolCalls = reply.toolCalls.map((call, index) => {
    const broken = malformed ? brokenJson(call.arguments, malformed) : undefined;
    return {
      id: `${prefix}_${opts.idToken}${opts.requestNumber}_${index}`,
      name: call.name,
      argumentsJson: broken ?? JSON.stringify(call.arguments),
      valid: broken === undefined,
      arguments: call.arguments,
    };
  });
  const wire: WireReply = {
    id: `${opts.idToken}${opts.requestNumber}`,
    model: view.model,
    created: Math.floor(Date.now() / 1000),
    text: reply.text,
    toolCalls,
    promptTokens: Math.max(1, Math.ceil(opts.promptChars / 4)),
    completionTokens: 0,
    ...(reply.stream?.pieces ? { textPieces: reply.stream.pieces } : {}),
  };
  // Anthropic only thinks when asked to, and then always starts with a thinking block.
  const thinkingText =
    view.api === 'anthropic'
      ? view.thinkingEnabled
        ? (reply.thinking ?? `The scripted model considered the request: ${oneLine(lastUserText(view), 200)}`)
        : undefined
      : reply.thinking;
  if (thinkingText !== undefined) wire.thinking = { text: thinkingText, signature: signThinking(thinkingText, opts.signingSecret) };
  const outputChars = (reply.text ?? '').length + (thinkingText ?? '').length + toolCalls.reduce((sum, call) => sum + call.argumentsJson.length, 0);
  wire.completionTokens = Math.max(1, Math.ceil(outputChars / 4));
  return wire;
}

function lastUserText(view: ConversationView): string {
  for (let index = view.messages.length - 1; index >= 0; index--) {
    const message = view.messages[index];
    if (message?.role === 'user') return message.text;
  }
  return '';
}

/** Tool arguments as broken JSON: Python-style (repairable) or plain garbage. */
export function brokenJson(args: Record<string, unknown>, mode: MalformedMode): string {
  if (mode === 'repairable') {
    const entries = Object.entries(args).map(([key, value]) => `'${key}': ${pythonValue(value)}`);
    return `{${entries.join(', ')},}`;
  }
  const first = Object.keys(args)[0] ?? 'value';
  return `{"${first}": "unterminated" "oops": }`;
}

function pythonValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  return JSON.stringify(value);
}

/** Splits text into a few pieces so streams carry several deltas. */
export function pieces(text: string, count = 3): string[] {
  if (text.length < count * 2) return text ? [text] : [];
  const size = Math.ceil(text.length / count);
  const out: string[] = [];
  for (let start = 0; start < text.length; start += size) out.push(text.slice(start, start + size));
  return out;
}
