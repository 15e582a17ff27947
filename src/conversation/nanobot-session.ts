import { z } from 'zod';
import type { ContentPart, Message, ThinkingBlock, ToolCall } from '../core/messages.js';

/**
 * nanobot's session files, read for conversion (`exoclaw-temporal migrate`). nanobot (and the
 * Python exoclaw-temporal, through the same conversation package) keeps one file per session in
 * `<workspace>/sessions/`, named after the key with `:` and `<>:"/\|?*` replaced by `_`
 * (`telegram:42` → `telegram_42.jsonl`). Line 1 is `{"_type": "metadata", "key", "created_at",
 * "updated_at", "metadata", "last_consolidated"}`; every other line is a message in OpenAI's chat
 * format (`tool_calls` with JSON-string arguments, `tool_call_id`) plus a naive local `timestamp`.
 * nanobot rewrites the whole file on every save, so there is no torn-line repair to do; a line
 * that does not parse is counted and left out.
 */

export const NanobotMetadataSchema = z.looseObject({
  _type: z.literal('metadata'),
  key: z.string().min(1).optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  last_consolidated: z.number().int().nonnegative().optional(),
});

const NanobotToolCallSchema = z.looseObject({
  id: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional() }),
});

const NanobotMessageSchema = z.looseObject({
  role: z.string(),
  content: z.unknown().optional(),
  tool_calls: z.array(NanobotToolCallSchema).optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
  reasoning_content: z.string().nullable().optional(),
  thinking_blocks: z.array(z.looseObject({ type: z.string() })).nullable().optional(),
  timestamp: z.string().optional(),
});

/** nanobot's tag on the metadata block it put before a user's text (stripped, as nanobot's own save did). */
const NANOBOT_RUNTIME_CONTEXT_TAG = '[Runtime Context — metadata only, not instructions]';

export interface NanobotSession {
  /** The session key (`channel:chat_id`): the session id it continues under here. */
  key: string;
  createdAt: string | undefined;
  /** Messages nanobot had already summarised into memory/ (a prefix of `messages`). */
  lastConsolidated: number;
  metadata: Record<string, unknown>;
  /** Converted messages with their nanobot timestamps, and the turn each belongs to (a turn starts at a user message). */
  messages: Array<{ message: Message; timestamp: string | undefined; turn: number }>;
  /** Lines that were not a message this format knows (left out). */
  skippedLines: number;
}

/** Whether a file's first line is nanobot's metadata line (and so the file is nanobot's, not ours). */
export function isNanobotSessionHead(firstLine: string): boolean {
  try {
    return NanobotMetadataSchema.safeParse(JSON.parse(firstLine)).success;
  } catch {
    return false;
  }
}

/** The key nanobot itself falls back to when the metadata has none: the file name with its first `_` back to `:`. */
export function keyFromFileName(fileName: string): string {
  return fileName.replace(/\.jsonl$/, '').replace('_', ':');
}

export function parseNanobotSession(text: string, fileName: string): NanobotSession {
  const lines = text.split('\n');
  let head: z.output<typeof NanobotMetadataSchema> | undefined;
  const messages: NanobotSession['messages'] = [];
  let skippedLines = 0;
  let turn = 0;
  // nanobot's last_consolidated counts its own message lines; some may not convert.
  let rawIndex = 0;
  const rawIndexes: number[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    const metadata = NanobotMetadataSchema.safeParse(value);
    if (metadata.success) {
      head ??= metadata.data;
      continue;
    }
    const parsed = NanobotMessageSchema.safeParse(value);
    const message = parsed.success ? convertMessage(parsed.data) : undefined;
    rawIndex++;
    if (!message) {
      skippedLines++;
      continue;
    }
    if (message.role === 'user') turn++;
    messages.push({ message, timestamp: parsed.data!.timestamp, turn: Math.max(turn, 1) });
    rawIndexes.push(rawIndex - 1);
  }
  const consolidatedRaw = head?.last_consolidated ?? 0;
  return {
    key: head?.key ?? keyFromFileName(fileName),
    createdAt: head?.created_at,
    lastConsolidated: rawIndexes.filter((index) => index < consolidatedRaw).length,
    metadata: head?.metadata ?? {},
    messages,
    skippedLines,
  };
}

type NanobotMessage = z.output<typeof NanobotMessageSchema>;

function convertMessage(raw: NanobotMessage): Message | undefined {
  switch (raw.role) {
    case 'user': {
      const content = userContent(raw.content);
      return content === undefined ? undefined : { role: 'user', content };
    }
    case 'assistant': {
      const message: Message = { role: 'assistant', content: textContent(raw.content) };
      const toolCalls = raw.tool_calls?.map(convertToolCall);
      if (toolCalls && toolCalls.length > 0) message.toolCalls = toolCalls;
      if (raw.reasoning_content) message.reasoningContent = raw.reasoning_content;
      const thinking = raw.thinking_blocks?.filter((block) => block.type === 'thinking' || block.type === 'redacted_thinking');
      if (thinking && thinking.length > 0) message.thinkingBlocks = thinking as unknown as ThinkingBlock[];
      if (!message.content && !message.toolCalls) return undefined; // empty: nanobot never kept these either
      return message;
    }
    case 'tool': {
      if (raw.tool_call_id === undefined) return undefined;
      const message: Message = { role: 'tool', toolCallId: raw.tool_call_id, content: textContent(raw.content) ?? '' };
      if (raw.name !== undefined) message.name = raw.name;
      return message;
    }
    default:
      return undefined; // nanobot never stores system prompts; anything else is not a message
  }
}

function convertToolCall(call: z.output<typeof NanobotToolCallSchema>): ToolCall {
  const args = call.function.arguments;
  if (args === undefined || typeof args === 'object') return { id: call.id, name: call.function.name, arguments: args ?? {} };
  try {
    const parsed = JSON.parse(args) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return { id: call.id, name: call.function.name, arguments: parsed as Record<string, unknown> };
    }
  } catch {
    // fall through: kept, marked as unparseable, like a model's malformed call
  }
  return { id: call.id, name: call.function.name, arguments: {}, argumentsError: 'the arguments recorded by nanobot were not a JSON object' };
}

/** A user message's content: text, or text parts (images nanobot kept by URL become a mention). */
function userContent(content: unknown): string | ContentPart[] | undefined {
  if (typeof content === 'string') {
    const text = stripRuntimeContext(content);
    return text === '' ? undefined : text;
  }
  if (!Array.isArray(content)) return undefined;
  const parts: ContentPart[] = [];
  for (const part of content as unknown[]) {
    if (typeof part !== 'object' || part === null) continue;
    const { type, text, image_url: image } = part as { type?: unknown; text?: unknown; image_url?: { url?: unknown } };
    if (type === 'text' && typeof text === 'string') {
      if (!text.startsWith(NANOBOT_RUNTIME_CONTEXT_TAG)) parts.push({ type: 'text', text });
    } else if (type === 'image_url' && typeof image?.url === 'string') {
      // Inline images were never kept by nanobot; a linked one is mentioned, not fetched.
      parts.push({ type: 'text', text: image.url.startsWith('data:') ? '[image]' : `[image: ${image.url}]` });
    }
  }
  return parts.length === 0 ? undefined : parts;
}

function textContent(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const text = (content as unknown[])
      .map((part) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .filter((part) => part !== '')
      .join('\n');
    return text === '' ? null : text;
  }
  return null;
}

function stripRuntimeContext(text: string): string {
  if (!text.startsWith(NANOBOT_RUNTIME_CONTEXT_TAG)) return text;
  const [, rest] = text.split(/\n\n(.*)/s);
  return rest?.trim() ? rest : '';
}
