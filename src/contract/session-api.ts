// The public surface of AgentSessionWorkflow: its id, signal, update and query names and types.
import type { TurnProgress } from '../core/index.js';
import type { PendingApproval } from './approvals.js';
import { queryDefinition, signalDefinition, updateDefinition } from './definitions.js';
import { REFERENCE_SEND_MESSAGE } from './reference-input.js';
import type { MessageOrigin, RunningSubagent, SessionMessageInput, SessionReply } from './session-input.js';

/** The session's workflow id: one workflow (chain) per conversation. */
export function sessionWorkflowId(sessionId: string): string {
  return `session-${sessionId}`;
}

/** The turn id of a message: stable across retries, replays and continue-as-new. */
export function sessionTurnId(workflowId: string, messageId: string): string {
  return `${workflowId}/${messageId}`;
}

/** Fire-and-forget: queue a message (or run a command) in the session. */
export const sendMessageSignal = signalDefinition<[SessionMessageInput]>('sendMessage');

/**
 * The Python reference's signal, served as an alias of `sendMessage`: positional
 * `(message, media?, plugin_context?)`, or one object (see `SendMessageArgs`).
 */
export const referenceSendMessageSignal = signalDefinition<unknown[]>(REFERENCE_SEND_MESSAGE);

/** Request/response: queue a message and get that message's reply (commands answer at once). */
export const chatUpdate = updateDefinition<SessionReply, [SessionMessageInput]>('chat');

export interface SessionTurnStatus {
  messageId: string;
  turnId: string;
  seq: number;
  origin: MessageOrigin;
  /** Where the turn is: prompt, llm (iteration), tools (iteration + tool names and first args), record. */
  progress: TurnProgress;
  /** Epoch ms of the turn's start (workflow time). */
  startedAt: number;
  /** Milliseconds since the turn started, as of the workflow's last activation. */
  elapsedMs: number;
}

export interface SessionStatus {
  sessionId: string;
  workflowId: string;
  state: 'idle' | 'running';
  turn?: SessionTurnStatus;
  /** Messages waiting behind the running turn. */
  pending: number;
  /** Signalled messages refused in this run because the queue was full. */
  dropped: number;
  /** Turns finished over the whole continue-as-new chain. */
  turnCount: number;
  /** Runs in this continue-as-new chain (1 for the first). */
  run: number;
  subagents: RunningSubagent[];
  /** A `/new` is consolidating and clearing the history. */
  clearing: boolean;
  lastReply?: SessionReply;
  /** Signals and updates of unknown names received so far (per name: the `unknownMessages` query). */
  unknownMessages?: number;
  /** Tool calls of the running turn waiting for a person (absent when none; also the `pendingApprovals` query). */
  approvals?: PendingApproval[];
}

export const sessionStatusQuery = queryDefinition<SessionStatus>('status');
export const lastReplyQuery = queryDefinition<SessionReply | null>('lastReply');
export const pendingCountQuery = queryDefinition<number>('pendingCount');
export const turnCountQuery = queryDefinition<number>('turnCount');

/** The reference's queries. `get_last_response`: the last turn's reply text, or null before the first. */
export const getLastResponseQuery = queryDefinition<string | null>('get_last_response');
/** `is_processing`: a turn is running or messages are waiting for one (the reference counts only the running turn). */
export const isProcessingQuery = queryDefinition<boolean>('is_processing');

/** How a session ends its run on its own (it never ends while work is queued or running). */
export interface SessionWorkflowResult {
  sessionId: string;
  reason: 'idle';
  turnCount: number;
}
