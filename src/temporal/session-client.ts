import {
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  listSessionJobs,
  removeSessionHeartbeat,
  removeSessionJob,
  setSessionHeartbeat,
  type SessionJob,
} from '../schedules/session-schedules.js';
import {
  chatUpdate,
  sendMessageSignal,
  SESSION_WORKFLOW_TYPE,
  sessionStatusQuery,
  sessionWorkflowId,
  type SessionStatus,
} from '../contract/index.js';
import type { SessionMessageInput, SessionReply, SessionStartInput } from '../contract/index.js';
import { DEFAULT_TASK_QUEUE } from './connection.js';

/** Session settings used when a send has to start the session (everything but the id). */
export type SessionSettings = Omit<SessionStartInput, 'sessionId'>;

export interface SendOptions {
  /** Makes the send idempotent: the same id is answered once, with the same reply. */
  messageId?: string;
  origin?: SessionMessageInput['origin'];
  channel?: string;
  chatId?: string;
  media?: string[];
}

export type { SessionJob, SessionReply, SessionStatus };

/**
 * Typed access to AgentSessionWorkflow: one long-lived workflow per conversation, started on
 * demand by the first message (update-with-start / signal-with-start).
 */
export class SessionClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string = DEFAULT_TASK_QUEUE,
    /** Settings for sessions this client starts (model, limits, continue-as-new, idle timeout…). */
    readonly settings: SessionSettings = {},
  ) {}

  workflowId(sessionId: string): string {
    return sessionWorkflowId(sessionId);
  }

  handle(sessionId: string): WorkflowHandle {
    return this.client.workflow.getHandle(this.workflowId(sessionId));
  }

  /** Sends a message and waits for its reply, starting the session if it is not running. */
  async send(sessionId: string, text: string, opts: SendOptions = {}): Promise<SessionReply> {
    const startWorkflowOperation = new WithStartWorkflowOperation(SESSION_WORKFLOW_TYPE, {
      workflowId: this.workflowId(sessionId),
      taskQueue: this.taskQueue,
      args: [this.startInput(sessionId)],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    return this.client.workflow.executeUpdateWithStart(chatUpdate, {
      args: [messageOf(text, opts)],
      startWorkflowOperation,
    });
  }

  /** Queues a message without waiting for its reply (read it later with `status` or `lastReply`). */
  async signal(sessionId: string, text: string, opts: SendOptions = {}): Promise<void> {
    await this.client.workflow.signalWithStart(SESSION_WORKFLOW_TYPE, {
      workflowId: this.workflowId(sessionId),
      taskQueue: this.taskQueue,
      args: [this.startInput(sessionId)],
      signal: sendMessageSignal,
      signalArgs: [messageOf(text, opts)],
    });
  }

  /** The running session's status; undefined when it is not running (never started, or ended while idle). */
  async status(sessionId: string): Promise<SessionStatus | undefined> {
    const handle = this.handle(sessionId);
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return undefined;
      return await handle.query(sessionStatusQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * `/stop`: cancels the running turn, queued messages and subagents. Never starts a session
   * (other commands, like `/new`, go through `send`).
   */
  async stop(sessionId: string, opts: SendOptions = {}): Promise<SessionReply> {
    if (!(await this.status(sessionId))) {
      return { messageId: opts.messageId ?? '/stop', status: 'command', content: 'No active task to stop.', toolsUsed: [] };
    }
    return this.handle(sessionId).executeUpdate(chatUpdate, { args: [messageOf('/stop', opts)] });
  }

  /** Scheduled jobs (cron jobs and the heartbeat) of one session, or of all sessions. */
  listSchedules(sessionId?: string): Promise<SessionJob[]> {
    return listSessionJobs(this.client, sessionId);
  }

  removeSchedule(sessionId: string, jobId: string): Promise<boolean> {
    return removeSessionJob(this.client, sessionId, jobId);
  }

  /**
   * The heartbeat: every `everySeconds`, the session is asked to act on HEARTBEAT.md — only
   * when that workspace file exists and has content. `null` removes it.
   */
  async setHeartbeat(sessionId: string, everySeconds: number | null): Promise<SessionJob | undefined> {
    if (everySeconds === null) {
      await removeSessionHeartbeat(this.client, sessionId);
      return undefined;
    }
    return setSessionHeartbeat(this.client, { session: this.startInput(sessionId), taskQueue: this.taskQueue, everySeconds });
  }

  private startInput(sessionId: string): SessionStartInput {
    return { ...this.settings, sessionId };
  }
}

function messageOf(text: string, opts: SendOptions): SessionMessageInput {
  const message: SessionMessageInput = { text };
  if (opts.messageId !== undefined) message.messageId = opts.messageId;
  if (opts.origin !== undefined) message.origin = opts.origin;
  if (opts.channel !== undefined) message.channel = opts.channel;
  if (opts.chatId !== undefined) message.chatId = opts.chatId;
  if (opts.media !== undefined) message.media = opts.media;
  return message;
}
