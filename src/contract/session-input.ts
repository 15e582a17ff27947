import { z } from 'zod';
import { Duration } from './duration.js';
import { InputLimits } from './input-limits.js';
import { ActivityOptionsInput, ModelSettingsInput, ToolNames } from './turn-input.js';
import { UnknownMessageCounts } from './unknown-messages.js';

export const MESSAGE_ORIGINS = ['user', 'schedule', 'subagent', 'system'] as const;
export type MessageOrigin = (typeof MESSAGE_ORIGINS)[number];

/** One message for a session, as signalled or sent through the `chat` update. */
export const SessionMessageInput = z
  .object({
    text: InputLimits.message,
    /** Makes the send idempotent: a repeated id gets the first reply and runs no second turn. */
    messageId: z.string().trim().min(1).max(200).optional(),
    /** Who sent it. Scheduled runs may not schedule further jobs. */
    origin: z.enum(MESSAGE_ORIGINS).default('user'),
    channel: z.string().max(128).optional(),
    chatId: z.string().max(256).optional(),
    media: InputLimits.media.optional(),
    /** Text for the system prompt and for tools (`ctx.pluginContext`), for this message only. */
    pluginContext: InputLimits.pluginContext.optional(),
    /** The schedule or subagent workflow that sent it (informational). */
    source: z.string().max(512).optional(),
  })
  .strict();
export type SessionMessageInput = z.input<typeof SessionMessageInput>;
export type SessionMessage = z.output<typeof SessionMessageInput>;

/** A message waiting for its turn; `seq` is its arrival number in this session. */
export const QueuedMessage = z.object({
  messageId: z.string(),
  seq: z.number().int().min(0),
  text: z.string(),
  origin: z.enum(MESSAGE_ORIGINS),
  channel: z.string().optional(),
  chatId: z.string().optional(),
  media: z.array(z.string()).optional(),
  pluginContext: z.array(z.string()).optional(),
  source: z.string().optional(),
});
export type QueuedMessage = z.infer<typeof QueuedMessage>;

export const REPLY_STATUSES = ['completed', 'stopped', 'failed', 'command'] as const;

/** The answer to one message. */
export const SessionReply = z.object({
  messageId: z.string(),
  /** Arrival number of the message (absent for commands). */
  seq: z.number().int().optional(),
  turnId: z.string().optional(),
  status: z.enum(REPLY_STATUSES),
  /** What to show the user ('' when a tool already answered the chat). */
  content: z.string(),
  toolsUsed: z.array(z.string()).default([]),
  iterations: z.number().int().optional(),
  stopReason: z.string().optional(),
  suppressReply: z.boolean().optional(),
});
export type SessionReply = z.infer<typeof SessionReply>;

export const RunningSubagent = z.object({
  workflowId: z.string(),
  sessionId: z.string(),
  label: z.string(),
  task: z.string(),
  /** Epoch ms (workflow time). */
  startedAt: z.number(),
});
export type RunningSubagent = z.infer<typeof RunningSubagent>;

/** What survives continue-as-new. Keys avoid credential-looking words (the input guard checks keys). */
export const SessionCarriedState = z.object({
  pending: z.array(QueuedMessage).default([]),
  /** Recent message ids and their replies, oldest first (bounded). */
  recent: z.array(SessionReply).default([]),
  turnCount: z.number().int().min(0).default(0),
  messageSeq: z.number().int().min(0).default(0),
  subagents: z.array(RunningSubagent).default([]),
  lastReply: SessionReply.optional(),
  runs: z.number().int().min(1).default(1),
  /** Signals and updates of names this workflow does not know, counted by name (see unknown-messages). */
  unknownMessages: UnknownMessageCounts.optional(),
  /** "Allow for this session" answers given so far (tool + rule + subject keys, see tool-policy). */
  approvalGrants: z.array(z.string().max(2000)).max(1000).optional(),
});
export type SessionCarriedState = z.infer<typeof SessionCarriedState>;

export const DEFAULT_MAX_TURNS_BEFORE_CONTINUE_AS_NEW = 50;
export const DEFAULT_IDLE_TIMEOUT = '24h';
export const DEFAULT_MAX_RECENT_REPLIES = 200;
export const DEFAULT_MAX_SUBAGENTS = 5;
export const DEFAULT_MAX_PENDING_MESSAGES = 100;

/**
 * How a session runs. Only `sessionId` is required; turn settings default from the worker's
 * config. `state` is internal: what one run hands to the next across continue-as-new.
 */
export const SessionWorkflowInput = z
  .object({
    sessionId: InputLimits.sessionId,
    ...ModelSettingsInput.shape,
    maxIterations: z.number().int().min(1).max(1000).optional(),
    /** Default channel / chat for messages that name none. */
    channel: z.string().max(128).optional(),
    chatId: z.string().max(256).optional(),
    excludeTools: ToolNames.optional(),
    onlyTools: ToolNames.optional(),
    activityOptions: ActivityOptionsInput.optional(),
    /** Continue-as-new after this many turns in one run (also when Temporal suggests it). */
    maxTurnsBeforeContinueAsNew: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_TURNS_BEFORE_CONTINUE_AS_NEW),
    /** The workflow ends after this long with nothing to do; the next message starts it again. */
    idleTimeout: Duration.default(DEFAULT_IDLE_TIMEOUT),
    /** How many message ids (and replies) are remembered for deduplication. */
    maxRecentReplies: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_RECENT_REPLIES),
    /** Subagents that may run at once. */
    maxSubagents: z.number().int().min(0).max(50).default(DEFAULT_MAX_SUBAGENTS),
    /** Messages that may wait behind the running turn; more are refused until the queue drains. */
    maxPendingMessages: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_PENDING_MESSAGES),
    state: SessionCarriedState.optional(),
  })
  .strict();
export type SessionWorkflowInput = z.input<typeof SessionWorkflowInput>;
export type ParsedSessionInput = z.output<typeof SessionWorkflowInput>;

/** The settings a session is (re)started with: its input without the carried state. */
export type SessionStartInput = Omit<SessionWorkflowInput, 'state'>;

/** The session's start settings (its input without carried state), as schedules and subagents store them. */
export const SessionStartInput = SessionWorkflowInput.omit({ state: true });

/** What a schedule's action starts: one message for one session. */
export const ScheduledMessageInput = z
  .object({
    session: SessionStartInput,
    /** Task queue the session runs on. */
    taskQueue: z.string().min(1),
    text: z.string().min(1).max(4_000),
    scheduleId: z.string().min(1),
    jobId: z.string().min(1).max(64),
    /** One-shot (`at`) jobs delete their schedule after firing. */
    oneShot: z.boolean().default(false),
    /** Only deliver when this workspace file exists and is not blank (the heartbeat's HEARTBEAT.md). */
    ifFileExists: z.string().regex(/^[\w.-]+$/, 'a plain file name in the workspace root').optional(),
  })
  .strict();
export type ScheduledMessageInput = z.input<typeof ScheduledMessageInput>;

/** What the session starts a subagent with (`SessionSubagentWorkflow`). */
export const SubagentInput = z
  .object({
    /** The parent session's settings: model, limits, and where to report back. */
    parent: SessionStartInput,
    taskQueue: z.string().min(1),
    /** The subagent's own conversation key, e.g. `<parent>:sub:<id>`. */
    subSessionId: InputLimits.sessionId,
    label: z.string().min(1).max(120),
    task: z.string().min(1).max(20_000),
  })
  .strict();
export type SubagentInput = z.input<typeof SubagentInput>;

export interface SubagentResult {
  ok: boolean;
  label: string;
  content: string;
}
