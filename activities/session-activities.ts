// Activities the session workflows need besides the turn's own (buildPrompt, llmChat, executeTool, recordTurn, releaseSession): clearing a conversation (/new),
// managing schedules (the cron tool) and delivering messages into a session from outside it
// (schedules, subagents). The Temporal client comes from the activity context.
import { Context } from '@temporalio/activity';
import {
  ScheduledMessageInput,
  SESSION_WORKFLOW_TYPE,
  sendMessageSignal,
  sessionWorkflowId,
  type CronArgs,
  type SessionMessageInput,
  type SessionStartInput,
} from '../src/contract/index.js';
import { toolError, toolOutput, type ToolResult } from '../src/core/index.js';
import {
  addSessionJob,
  formatJob,
  InvalidJobError,
  jobIdFor,
  listSessionJobs,
  removeSchedule,
  removeSessionJob,
} from '../src/schedules/session-schedules.js';
import { readWorkspaceText } from '../src/workspace/workspace-text.js';
import type { ActivityDeps } from './activity-deps.js';
import { keepAlive } from './heartbeat.js';
import { keepSessionLease, sessionBusy } from './session-lease-keeper.js';

export interface ClearSessionInput {
  sessionId: string;
  /** Holds the session's lease while clearing, like a turn would. */
  requestId: string;
}

export interface ManageScheduleInput {
  session: SessionStartInput;
  taskQueue: string;
  turnId: string;
  toolCallId: string;
  /** The tool call's arguments, validated by the session workflow. */
  args: CronArgs;
  /** The turn was started by a schedule: it may not add jobs. */
  fromSchedule: boolean;
  /** Schedules this session added recently (they may not be listed yet; see AddJobRequest). */
  recentScheduleIds?: string[];
}

/** The cron tool's answer, and the schedule it added (if any) for the session to remember. */
export interface ManageScheduleResult extends ToolResult {
  addedScheduleId?: string;
}

export interface DeliverMessageInput {
  session: SessionStartInput;
  taskQueue: string;
  message: SessionMessageInput;
}

export interface DeliveryResult {
  delivered: boolean;
  /** Why nothing was delivered (e.g. HEARTBEAT.md is missing). */
  skipped?: string;
}

/** Enough of HEARTBEAT.md to tell whether it asks for anything (the agent reads the file itself). */
const HEARTBEAT_MAX_BYTES = 64 * 1024;

export const SCHEDULED_ADD_REFUSED =
  'Error: a scheduled run cannot add new jobs (this message came from a schedule). Tell the user instead if a new job seems useful.';

export function createSessionActivities(deps: ActivityDeps) {
  return {
    /** `/new`: consolidates the session into memory, then archives its history. */
    async clearSession(req: ClearSessionInput): Promise<boolean> {
      const taken = await deps.leases.acquire(req.sessionId, req.requestId);
      if (!taken.acquired) {
        throw sessionBusy(req.sessionId, taken.holder.turnId, '/new waits for it to finish');
      }
      const beat = keepAlive(() => ({ phase: 'clear' }), deps.heartbeatIntervalMs);
      // Consolidating a long conversation can outlast the lease's TTL.
      const lease = await keepSessionLease(deps, req.sessionId, req.requestId);
      try {
        return await deps.conversation.clear(req.sessionId);
      } finally {
        lease.stop();
        beat.stop();
        await deps.leases.release(req.sessionId, req.requestId);
      }
    },

    /** The cron tool: add / list / remove this session's jobs. Problems become tool errors. */
    async manageSchedule(req: ManageScheduleInput): Promise<ManageScheduleResult> {
      const { args } = req;
      const client = Context.current().client;
      const sessionId = req.session.sessionId;
      try {
        switch (args.action) {
          case 'add': {
            if (req.fromSchedule) return toolError(SCHEDULED_ADD_REFUSED);
            const job = await addSessionJob(client, {
              session: req.session,
              taskQueue: req.taskQueue,
              jobId: jobIdFor(req.turnId, req.toolCallId),
              args,
              limits: deps.jobLimits,
              recentScheduleIds: req.recentScheduleIds,
            });
            deps.logger.info({ sessionId, jobId: job.jobId, scheduleId: job.scheduleId }, 'cron job added');
            return { ...toolOutput(`Added job ${job.jobId}: ${job.schedule} → "${job.message}"`), addedScheduleId: job.scheduleId };
          }
          case 'list': {
            const jobs = await listSessionJobs(client, sessionId);
            if (jobs.length === 0) return toolOutput('No scheduled jobs.');
            return toolOutput(`Scheduled jobs:\n${jobs.map(formatJob).join('\n')}`);
          }
          case 'remove': {
            if (!args.job_id) return toolError('Error: remove needs job_id (see action=list)');
            const removed = await removeSessionJob(client, sessionId, args.job_id);
            return removed
              ? toolOutput(`Removed job ${args.job_id}.`)
              : toolError(`Error: no job ${args.job_id} in this session (see action=list)`);
          }
        }
      } catch (error) {
        if (error instanceof InvalidJobError) return toolError(`Error: ${error.message}`);
        throw error;
      }
    },

    /** Puts a message into a session, starting the session if it is not running. */
    async deliverSessionMessage(req: DeliverMessageInput): Promise<DeliveryResult> {
      await signalWithStartSession(req);
      return { delivered: true };
    },

    /** A schedule fired: deliver its message (heartbeats only when their file has content). */
    async deliverScheduledMessage(raw: ScheduledMessageInput & { messageId: string }): Promise<DeliveryResult> {
      const { messageId, ...rest } = raw;
      const input = ScheduledMessageInput.parse(rest);
      if (input.ifFileExists) {
        const read = await readWorkspaceText(deps.workspace, input.ifFileExists, HEARTBEAT_MAX_BYTES);
        if (!read.ok || !hasContent(read.text)) return { delivered: false, skipped: `${input.ifFileExists} is missing or empty` };
      }
      await signalWithStartSession({
        session: input.session,
        taskQueue: input.taskQueue,
        message: { text: input.text, messageId, origin: 'schedule', source: input.scheduleId },
      });
      // One-shot jobs leave nothing behind (a retry finds the schedule already gone).
      if (input.oneShot) await removeSchedule(Context.current().client, input.scheduleId);
      return { delivered: true };
    },
  };
}

export type SessionActivities = ReturnType<typeof createSessionActivities>;

async function signalWithStartSession(req: DeliverMessageInput): Promise<void> {
  await Context.current().client.workflow.signalWithStart(SESSION_WORKFLOW_TYPE, {
    workflowId: sessionWorkflowId(req.session.sessionId),
    taskQueue: req.taskQueue,
    args: [req.session],
    signal: sendMessageSignal,
    signalArgs: [req.message],
  });
}

/** Text beyond blank lines and Markdown headings/comments. */
function hasContent(text: string): boolean {
  return text
    .replace(/<!--[\s\S]*?-->/g, '')
    .split('\n')
    .some((line) => line.trim() !== '' && !/^#+(\s|$)/.test(line.trim()));
}
