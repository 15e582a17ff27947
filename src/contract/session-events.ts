// The session event stream: what workers publish about a session as it happens (tokens, tool
// progress, replies, messages from tools and schedules), in order, each with a sequence number a
// reader resumes from. None of it goes through workflow history; what must be durable (the reply
// itself) still comes back through Temporal. Sandbox-safe: types and plain data only.

/** Every event type a reader may see. Readers must skip types they do not know (more will come, e.g. `approval_requested`). */
export const SESSION_EVENT_TYPES = [
  'turn_started',
  'progress',
  'tool_started',
  'tool_finished',
  'delta',
  'stream_restarted',
  'reply',
  'message',
  'async_reply',
  'error',
  'turn_finished',
] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

/** What started a turn; `schedule` runs are `cron` or `heartbeat` in `async_reply`. */
export type TurnOrigin = 'user' | 'schedule' | 'subagent' | 'system' | 'turn';

/** Where an asynchronous reply came from. */
export type AsyncReplySource = 'cron' | 'heartbeat' | 'subagent' | 'system';

/** A turn began (its message was taken from the session's queue, or a plain turn workflow started). */
export interface TurnStartedEvent {
  type: 'turn_started';
  turnId: string;
  messageId?: string;
  origin: TurnOrigin;
}

/** What a running turn does now: its phase, and for tools the one with its progress line. */
export interface ProgressEvent {
  type: 'progress';
  turnId: string;
  phase: 'prompt' | 'llm' | 'tools' | 'record' | 'tool';
  /** The tool call whose progress this is (phase `tool`). */
  callId?: string;
  tool?: string;
  /** A short line, e.g. the last line a command printed. */
  detail?: string;
}

export interface ToolStartedEvent {
  type: 'tool_started';
  turnId: string;
  callId: string;
  name: string;
  /** The first argument, shortened (e.g. the command or the path). */
  firstArg?: string;
}

export interface ToolFinishedEvent {
  type: 'tool_finished';
  turnId: string;
  callId: string;
  name: string;
  isError: boolean;
  /** The first 200 characters of the result, on one line. */
  preview: string;
}

/**
 * Model tokens as they arrive. `step` names the model call (one per loop iteration) and
 * `attempt` its activity attempt: when an attempt dies mid-stream, the retry publishes
 * `stream_restarted` first and its deltas carry the higher attempt, so a client drops the text
 * it showed for that step and renders the retry's alone.
 */
export interface DeltaEvent {
  type: 'delta';
  turnId: string;
  step: string;
  attempt: number;
  text: string;
}

/** A model call starts over (its previous attempt died mid-stream): discard that step's text so far. */
export interface StreamRestartedEvent {
  type: 'stream_restarted';
  turnId: string;
  step: string;
  attempt: number;
}

/** The final answer to a user's message (`async_reply` for a schedule's or a subagent's). */
export interface ReplyEvent {
  type: 'reply';
  turnId?: string;
  messageId: string;
  status: 'completed' | 'stopped' | 'failed' | 'command';
  content: string;
}

/** The `message` tool's text, to this session's chat or, from another session, to this one. */
export interface MessageEvent {
  type: 'message';
  turnId?: string;
  content: string;
  channel?: string;
  chatId?: string;
  /** The session whose turn sent it, when not this one. */
  fromSessionId?: string;
}

/** The answer of a turn nobody typed: a cron job, the heartbeat or a subagent's result. */
export interface AsyncReplyEvent {
  type: 'async_reply';
  turnId?: string;
  messageId: string;
  source: AsyncReplySource;
  /** The schedule or subagent workflow behind it. */
  sourceId?: string;
  status: 'completed' | 'stopped' | 'failed';
  content: string;
}

/** Something went wrong that a reader should show (a failed model call that will be retried, a failed turn). */
export interface ErrorEvent {
  type: 'error';
  turnId?: string;
  message: string;
  /** True when the work goes on (a retry follows). */
  retrying?: boolean;
}

export interface TurnFinishedEvent {
  type: 'turn_finished';
  turnId: string;
  messageId?: string;
  status: 'completed' | 'stopped' | 'failed';
  stopReason?: string;
}

/** What a publisher hands in: the store adds `seq`, `sessionId` and `at`. */
export type SessionEventBody =
  | TurnStartedEvent
  | ProgressEvent
  | ToolStartedEvent
  | ToolFinishedEvent
  | DeltaEvent
  | StreamRestartedEvent
  | ReplyEvent
  | MessageEvent
  | AsyncReplyEvent
  | ErrorEvent
  | TurnFinishedEvent;

/** One event as stored and read: `seq` grows by one per event in its session, never reused. */
export type SessionEvent = SessionEventBody & {
  seq: number;
  sessionId: string;
  /** ISO time the event was stored. */
  at: string;
};

/**
 * True for a stored event: a type and a whole sequence number. The type may be one this code
 * does not know yet (written by a newer worker): stores pass it on, renderers skip it.
 */
export function isSessionEvent(value: unknown): value is SessionEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as { type?: unknown; seq?: unknown; sessionId?: unknown };
  return typeof event.seq === 'number' && Number.isInteger(event.seq) && event.seq > 0 && typeof event.sessionId === 'string' && typeof event.type === 'string';
}

/** The async_reply source of a queued message, or undefined for a person's message. */
export function asyncSourceOf(message: { origin: string; source?: string }): AsyncReplySource | undefined {
  switch (message.origin) {
    case 'schedule':
      return message.source?.startsWith('heartbeat-') ? 'heartbeat' : 'cron';
    case 'subagent':
      return 'subagent';
    case 'system':
      return 'system';
    default:
      return undefined;
  }
}
