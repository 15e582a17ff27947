import type { AbortSignalLike } from './abort.js';
import type { Bus, InboundMessage } from './bus.js';
import type { JsonSchema } from './llm-provider.js';

/** Where and for whom a tool runs. */
export interface ToolContext {
  sessionId: string;
  channel?: string;
  chatId?: string;
  turnId?: string;
  toolCallId?: string;
  /** Cancellation (`/stop`, workflow cancel, worker shutdown) reaches the tool through this. */
  signal?: AbortSignalLike;
  /** Progress for long work; durable runs turn it into activity heartbeats. */
  onProgress?: (detail: string) => void;
  /**
   * True when an earlier attempt of this same call was interrupted (worker died mid-call).
   * Tools with side effects say so instead of silently doing it twice.
   */
  previousAttemptInterrupted?: boolean;
}

/** Structural match for a zod schema, so the core validates with zod without importing it. */
export interface SafeParseSchema {
  safeParse(value: unknown):
    | { success: true; data: unknown }
    | { success: false; error: { issues: ReadonlyArray<SchemaIssue> } };
}

export interface SchemaIssue {
  code: string;
  path: ReadonlyArray<PropertyKey>;
  message: string;
  input?: unknown;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  expected?: string;
  origin?: string;
  values?: ReadonlyArray<unknown>;
}

export interface Tool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments, as sent to the model. */
  readonly parameters: JsonSchema;
  /** Optional zod (or compatible) schema; when present it validates instead of `parameters`. */
  readonly schema?: SafeParseSchema;
  execute(args: Record<string, unknown>, ctx: ToolContext): Promise<string>;

  // Optional hooks.
  /** Text added to the system prompt every turn. */
  systemContext?(): string | Promise<string>;
  /** Called before each inbound message is processed. */
  onInbound?(msg: InboundMessage): void;
  /** Called at registration so the tool can publish to the bus later. */
  setBus?(bus: Bus): void;
  /** Cancel this session's running work (on `/stop`); returns how many were cancelled. */
  cancelBySession?(sessionId: string): Promise<number>;
  /** True after execute() when the tool already answered the current chat. */
  sentInTurn?: boolean;
}
