import type { AbortSignalLike } from './abort.js';
import type { JsonSchema } from './llm-provider.js';

/** A message for a chat, as a tool asks the runtime to deliver it. */
export interface Delivery {
  channel: string;
  chatId: string;
  content: string;
  /** The platform message this one answers, when there is one. */
  replyTo?: string;
}

/** Where and for whom a tool runs. Per call: tools keep no per-session state of their own. */
export interface ToolContext {
  sessionId: string;
  channel?: string;
  chatId?: string;
  /** The platform id of the message this turn answers (for replies that quote it). */
  messageId?: string;
  turnId?: string;
  toolCallId?: string;
  /**
   * Per-message context the client sent with this message (the reference's `plugin_context`),
   * e.g. who the user is. Client input: trust it as far as you trust the client; never log it.
   */
  pluginContext?: readonly string[];
  /** Cancellation (`/stop`, workflow cancel, worker shutdown) reaches the tool through this. */
  signal?: AbortSignalLike;
  /** Progress for long work; durable runs turn it into activity heartbeats. */
  onProgress?: (detail: string) => void;
  /**
   * True when an earlier attempt of this same call was interrupted (worker died mid-call).
   * Tools with side effects say so instead of silently doing it twice.
   */
  previousAttemptInterrupted?: boolean;
  /** Sends a message to a chat, where the runtime can (absent: nothing can be delivered here). */
  deliver?: (message: Delivery) => Promise<void>;
}

/** What a tool call produced. */
export interface ToolResult {
  /** What the model reads. */
  output: string;
  /** The call failed; the model is told to change course. */
  isError: boolean;
  /** The tool already answered the chat the turn came from: the loop sends no second reply. */
  replied?: boolean;
}

export function toolOutput(output: string, opts: { replied?: boolean } = {}): ToolResult {
  return opts.replied ? { output, isError: false, replied: true } : { output, isError: false };
}

export function toolError(output: string): ToolResult {
  return { output, isError: true };
}

/** One problem with a tool's arguments, as zod reports it (other validators adapt to this shape). */
export interface SchemaIssue {
  code: string;
  path: ReadonlyArray<PropertyKey>;
  message: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  origin?: string;
}

/** Structural match for a zod schema, so the core validates with zod without importing it. */
export interface ArgsSchema<Args> {
  safeParse(value: unknown):
    | { success: true; data: Args }
    | { success: false; error: { issues: ReadonlyArray<SchemaIssue> } };
}

/**
 * A tool: its definition for the model and its typed execution. The registry validates the
 * model's arguments against `args` once; `execute` gets them parsed. Build tools with
 * `defineTool` (zod) rather than by hand.
 */
export interface Tool<Args = unknown> {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments, as sent to the model. */
  readonly parameters: JsonSchema;
  /** Validates (and types) the arguments; `parameters` is derived from the same schema. */
  readonly args: ArgsSchema<Args>;
  execute(args: Args, ctx: ToolContext): Promise<ToolResult>;
  /** Text added to the system prompt every turn. */
  systemContext?(): string | Promise<string>;
  /**
   * Finishes in seconds, never waits on anything outside this machine and needs no heartbeat
   * (a file read, write or edit, a directory listing). Durable runs may run such a tool as a
   * local activity inside the workflow task: one server round trip fewer per step. Leave it
   * unset for anything that can hang (processes, network, MCP, subagents).
   */
  readonly bounded?: boolean;
}

/** Any tool, whatever its argument type (what registries and tool lists hold). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = Tool<any>;
