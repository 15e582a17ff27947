import { headTail, type Message } from '../core/index.js';
import { BLOB_REF } from '../storage/blob-store.js';

/** A message's text is cut to its head and tail past this many characters. */
export const MAX_MESSAGE_CHARS = 20_000;
/** One payload shows at most this many characters of expanded messages; later references stay references. */
export const MAX_EXPANDED_CHARS = 2_000_000;
// Deeper values are left as they are (activity payloads nest a few levels; this bounds the walk).
const MAX_DEPTH = 64;
const MAX_COUNT = 100_000;

export type LoadMessages = (ref: string) => Promise<Message[]>;

/**
 * Replaces every message reference (`{"ref": "<64 hex>", "count": n}`) in a decoded payload with
 * the messages it stands for, readable first: `{"messages": [{"role": "user", "content": "…"}],
 * "ref": "…", "count": n}`. A reference that cannot be read keeps its place and says why. Returns
 * how many references were found (0: the value is returned as it was).
 */
export async function expandMessageRefs(value: unknown, load: LoadMessages): Promise<{ value: unknown; refs: number }> {
  const state = { budget: MAX_EXPANDED_CHARS, refs: 0 };
  const out = await walk(value, 0);
  return { value: out, refs: state.refs };

  async function walk(node: unknown, depth: number): Promise<unknown> {
    if (node === null || typeof node !== 'object' || depth > MAX_DEPTH) return node;
    if (Array.isArray(node)) {
      const items: unknown[] = [];
      for (const item of node) items.push(await walk(item, depth + 1));
      return items;
    }
    if (isMessageRef(node)) return expand(node);
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) copy[key] = await walk(child, depth + 1);
    return copy;
  }

  async function expand(ref: { ref: string; count: number }): Promise<unknown> {
    state.refs += 1;
    if (state.budget <= 0) {
      return { omitted: `not expanded: this payload already shows ${MAX_EXPANDED_CHARS} characters of messages`, ...ref };
    }
    let messages: Message[];
    try {
      messages = await load(ref.ref);
    } catch (error) {
      return { unavailable: (error as Error).message, ...ref };
    }
    const readable = messages.map(readableMessage);
    state.budget -= JSON.stringify(readable).length;
    return { messages: readable, ...ref };
  }
}

/** What a person reading history needs of a message: role, text, tool calls; no image bytes or signatures. */
export function readableMessage(message: unknown): Record<string, unknown> {
  if (message === null || typeof message !== 'object') return { content: cap(String(message)) };
  const m = message as Partial<Message>;
  const out: Record<string, unknown> = { role: m.role };
  if (typeof m.name === 'string') out['name'] = m.name;
  out['content'] = cap(contentOf(m.content));
  if (Array.isArray(m.toolCalls) && m.toolCalls.length > 0) {
    out['toolCalls'] = m.toolCalls.map((call) => ({ name: call.name, arguments: call.arguments }));
  }
  if (typeof m.reasoningContent === 'string' && m.reasoningContent) out['reasoning'] = cap(m.reasoningContent);
  if (typeof m.toolCallId === 'string') out['toolCallId'] = m.toolCallId;
  return out;
}

function contentOf(content: Message['content'] | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return JSON.stringify(content);
  return content
    .map((part) => {
      if (part?.type === 'text') return part.text;
      if (part?.type === 'image') {
        const size = part.data ? `, ${Math.round((part.data.length * 3) / 4 / 1024)} KiB` : '';
        return `[image ${part.mediaType ?? ''}${part.url ? ` ${part.url}` : ''}${size}]`;
      }
      return JSON.stringify(part);
    })
    .join('\n');
}

function cap(text: string): string {
  return headTail(text, MAX_MESSAGE_CHARS);
}

function isMessageRef(node: object): node is { ref: string; count: number } {
  const keys = Object.keys(node);
  if (keys.length !== 2) return false;
  const { ref, count } = node as { ref?: unknown; count?: unknown };
  return typeof ref === 'string' && BLOB_REF.test(ref) && Number.isInteger(count) && (count as number) >= 0 && (count as number) <= MAX_COUNT;
}
