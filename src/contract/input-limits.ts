import { z } from 'zod';

/**
 * The limits on what enters from a client (workflow inputs, signals, updates), in one place so
 * every entry point refuses the same things with the same words.
 */
export const LIMITS = {
  sessionIdChars: 256,
  messageChars: 1_000_000,
  mediaItems: 32,
  mediaRefChars: 4096,
  /** Per-message context for the system prompt and tools (`pluginContext` / the reference's `plugin_context`). */
  pluginContextItems: 32,
  pluginContextChars: 32_000,
  /** The reference's `tool_definitions_json` (only the tool names in it are used). */
  toolDefinitionsJsonChars: 512_000,
} as const;

// Printable text only: no control, format or unassigned characters (NUL, newlines, bidi overrides).
const PRINTABLE = /^[^\p{C}]*$/u;

export const InputLimits = {
  sessionId: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(LIMITS.sessionIdChars, `must be at most ${LIMITS.sessionIdChars} characters`)
    .regex(PRINTABLE, 'must be printable text (no control characters or line breaks)'),
  message: z
    .string()
    .min(1, 'must not be empty')
    .max(LIMITS.messageChars, `must be at most ${LIMITS.messageChars} characters; send a long text as a file in the workspace`),
  media: z
    .array(z.string().min(1).max(LIMITS.mediaRefChars).regex(PRINTABLE, 'must be printable text'))
    .max(LIMITS.mediaItems, `at most ${LIMITS.mediaItems} media items per message`),
  // Client text that joins the system prompt and reaches tools: bounded, since it sits in history
  // with the input (and again in the buildPrompt step) however many tools the turn calls.
  pluginContext: z
    .array(z.string())
    .max(LIMITS.pluginContextItems, `at most ${LIMITS.pluginContextItems} plugin context items per message`)
    .refine((items) => items.reduce((sum, item) => sum + item.length, 0) <= LIMITS.pluginContextChars, {
      message: `must be at most ${LIMITS.pluginContextChars} characters in all; put larger context in a workspace file and name it`,
    }),
};
