import { z } from 'zod';
import type { Message } from '../core/messages.js';

/**
 * The JSONL record formats of a session file. Line 1 is a header; every other line is one
 * message as `Message` defines it, with the store's `timestamp` and the `turnId` that wrote it.
 * Files are external input (shared volume, possibly edited by hand), so every line is validated.
 */

export const SessionHeaderSchema = z.object({
  _type: z.literal('header'),
  key: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type SessionHeader = z.output<typeof SessionHeaderSchema>;

const ContentPartSchema = z.union([
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('image'), mediaType: z.string(), data: z.string().optional(), url: z.string().optional() }),
]);

const ToolCallSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  argumentsError: z.string().optional(),
});

export const StoredMessageSchema = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).default(null),
  toolCalls: z.array(ToolCallSchema).optional(),
  toolCallId: z.string().optional(),
  name: z.string().optional(),
  reasoningContent: z.string().optional(),
  thinkingBlocks: z.array(z.looseObject({ type: z.enum(['thinking', 'redacted_thinking']) })).optional(),
  timestamp: z.string().optional(),
  turnId: z.string().optional(),
  // Written since usage is recorded; a malformed value is dropped, never the message.
  usage: z
    .object({ inputTokens: z.number().nonnegative(), outputTokens: z.number().nonnegative() })
    .optional()
    .catch(undefined),
  model: z.string().optional().catch(undefined),
});

/** A message as stored: always with the time it was recorded. */
export type StoredMessage = Message & { timestamp: string };

export type ParsedLine = { kind: 'header'; header: SessionHeader } | { kind: 'message'; message: StoredMessage } | { kind: 'invalid' };

export function parseLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'invalid' };
  }
  if (typeof value === 'object' && value !== null && (value as { _type?: unknown })._type === 'header') {
    const header = SessionHeaderSchema.safeParse(value);
    return header.success ? { kind: 'header', header: header.data } : { kind: 'invalid' };
  }
  const message = StoredMessageSchema.safeParse(value);
  if (!message.success) return { kind: 'invalid' };
  return { kind: 'message', message: { ...message.data, timestamp: message.data.timestamp ?? '' } as StoredMessage };
}

/** One JSONL line (with its newline) for a message; drops keys with undefined values. */
export function messageLine(message: Message, turnId: string, timestamp: string): string {
  return `${JSON.stringify({ ...message, timestamp, turnId })}\n`;
}

export function headerLine(key: string, createdAt: string, metadata: Record<string, unknown> = {}): string {
  const header: SessionHeader = { _type: 'header', key, createdAt, updatedAt: createdAt, metadata };
  return `${JSON.stringify(header)}\n`;
}
