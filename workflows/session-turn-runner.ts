import {
  CancellationScope,
  condition,
  proxyActivities,
  TemporalFailure,
  uuid4,
} from '@temporalio/workflow';
import {
  HELP_TEXT,
  replyText,
  sessionTurnId,
  stoppedText,
  type ChatCommand,
  type ParsedSessionInput,
  type QueuedMessage,
  type SessionReply,
  type SessionStartInput,
  type SessionTurnStatus,
} from '../src/contract/index.js';
import { isCancellation, modelSettingsOf, oneLine, runTurn, type AbortSignalLike } from '../src/core/index.js';
import type { SessionActivities } from '../activities/index.js';
import { ActivityExecutor, type AgentActivityStubs } from './activity-executor.js';
import { SessionExecutor } from './session-executor.js';
import type { SessionInbox } from './session-inbox.js';
import type { SessionSubagents } from './session-subagents.js';
import { SessionCronJobs, sessionWorkflowTools } from './session-workflow-tools.js';
import { deliverReply } from './session-channel-delivery.js';
import { publishProgress, publishTurnEnd, publishTurnStarted } from './publish-event.js';
import { reportTurnEnd } from './report-turn-end.js';
import { surfaceMessage } from './surface-failure.js';
import type { ToolGate } from './tool-gate.js';

// /new consolidates memory with a model call before clearing; it waits (retrying) while a turn holds the session.
const { clearSession } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '10 minutes',
  scheduleToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '500ms', maximumInterval: '5s', backoffCoefficient: 1.5 },
});

interface RunningTurn {
  scope: CancellationScope;
  status: SessionTurnStatus;
}

export interface SessionTurnsContext {
  input: ParsedSessionInput;
  session: SessionStartInput;
  sessionId: string;
  workflowId: string;
  taskQueue: string;
  activities: AgentActivityStubs;
  excludeTools: string[] | undefined;
  inbox: SessionInbox;
  subagents: SessionSubagents;
  /** Policy, hooks and approvals for every tool call. */
  gate: ToolGate;
}

/**
 * Runs a session's messages one at a time through the shared `runTurn` loop, and its commands
 * at once: `/stop` cancels the running turn, the queue and every subagent; `/new` also clears
 * the conversation.
 */
export class SessionTurnRunner {
  private turn: RunningTurn | undefined;
  private clearingCount = 0;
  private readonly cronJobs = new SessionCronJobs();
  /** Turns over the whole continue-as-new chain, and in this run. */
  turnCount: number;
  turnsThisRun = 0;
  lastReply: SessionReply | undefined;

  constructor(
    private readonly ctx: SessionTurnsContext,
    carried: { turnCount: number; lastReply?: SessionReply },
  ) {
    this.turnCount = carried.turnCount;
    this.lastReply = carried.lastReply;
  }

  get running(): boolean {
    return this.turn !== undefined;
  }

  /** A `/new` is consolidating and clearing the history: no turn may start meanwhile. */
  get clearing(): boolean {
    return this.clearingCount > 0;
  }

  /** The running turn's status, as of the workflow's last activation. */
  status(): SessionTurnStatus | undefined {
    const turn = this.turn;
    return turn ? { ...turn.status, elapsedMs: Date.now() - turn.status.startedAt } : undefined;
  }

  /** Runs the next queued message, if any, to its reply. */
  async runNext(): Promise<void> {
    const { inbox, workflowId } = this.ctx;
    const message = inbox.start();
    if (!message) return;
    const turnId = sessionTurnId(workflowId, message.messageId);
    const scope = new CancellationScope();
    const current: RunningTurn = {
      scope,
      status: {
        messageId: message.messageId,
        turnId,
        seq: message.seq,
        origin: message.origin,
        progress: { phase: 'prompt' },
        startedAt: Date.now(),
        elapsedMs: 0,
      },
    };
    this.turn = current;
    publishTurnStarted(this.ctx.sessionId, turnId, message.origin, message.messageId);
    const base = { messageId: message.messageId, seq: message.seq, turnId };
    let reply: SessionReply;
    try {
      const result = await scope.run(() => this.runTurnFor(message, turnId, scope, current));
      this.turnCount += 1;
      reportTurnEnd(result.stopReason);
      reply = {
        ...base,
        status: 'completed',
        content: replyText(result),
        toolsUsed: result.toolsUsed,
        iterations: result.iterations,
        stopReason: result.stopReason,
        suppressReply: result.suppressReply,
      };
    } catch (error) {
      // Only Temporal failures (activities, cancellation) end a turn here; a bug fails the task.
      if (!(error instanceof TemporalFailure) && !isCancellation(error)) throw error;
      reportTurnEnd(isCancellation(error) ? 'cancelled' : 'failed');
      await CancellationScope.nonCancellable(() => this.ctx.activities.releaseSession({ sessionId: this.ctx.sessionId, turnId }));
      reply = isCancellation(error)
        ? { ...base, status: 'stopped', content: 'Stopped.', toolsUsed: [] }
        : {
            ...base,
            status: 'failed',
            content: `Sorry, this message could not be answered: ${oneLine(surfaceMessage(error), 300)}. Please try again.`,
            toolsUsed: [],
          };
    } finally {
      this.turnsThisRun += 1;
      inbox.finish();
      this.turn = undefined;
    }
    this.lastReply = reply;
    publishTurnEnd(this.ctx.sessionId, { ...reply, turnId, status: reply.status === 'command' ? 'completed' : reply.status }, message);
    inbox.complete(reply);
    const { input } = this.ctx;
    await deliverReply({ channel: message.channel ?? input.channel, chatId: message.chatId ?? input.chatId }, reply, `${turnId}/reply`);
  }

  private runTurnFor(message: QueuedMessage, turnId: string, scope: CancellationScope, current: RunningTurn) {
    const { input, session, sessionId, taskQueue, activities, excludeTools, subagents } = this.ctx;
    const selection = { excludeTools, onlyTools: input.onlyTools };
    const tools = sessionWorkflowTools({
      session,
      taskQueue,
      selection,
      subagents,
      cronJobs: this.cronJobs,
      scope,
      fromSchedule: message.origin === 'schedule',
    });
    const activityExecutor = new ActivityExecutor(activities, selection);
    const executor = new SessionExecutor(activityExecutor, tools);
    return runTurn(
      executor,
      {
        sessionId,
        turnId,
        message: message.text,
        channel: message.channel ?? input.channel,
        chatId: message.chatId ?? input.chatId,
        media: message.media,
        pluginContext: message.pluginContext,
        settings: modelSettingsOf(input),
        maxIterations: input.maxIterations,
        signal: cancelledSignal(scope),
      },
      {
        onProgress: (progress) => {
          current.status.progress = progress;
          publishProgress(sessionId, turnId, progress);
        },
        onPreTool: this.ctx.gate.hook(activityExecutor),
      },
    );
  }

  /** Answers a command at once (not behind the running turn). */
  async runCommand(command: ChatCommand, messageId: string = `cmd-${uuid4()}`): Promise<SessionReply> {
    const reply = (content: string): SessionReply => ({ messageId, status: 'command', content, toolsUsed: [] });
    switch (command) {
      case '/help':
        return reply(HELP_TEXT);
      case '/stop':
        return reply(stoppedText(await this.stopEverything()));
      case '/new': {
        await this.stopEverything();
        // A new conversation starts without the old one's "allow for this session" answers.
        this.ctx.gate.grants.clear();
        this.clearingCount += 1;
        try {
          await clearSession.executeWithOptions({ summary: 'clearSession: /new (memory consolidated, conversation archived)' }, [
            { sessionId: this.ctx.sessionId, requestId: sessionTurnId(this.ctx.workflowId, `new-${messageId}`) },
          ]);
          return reply('New session started.');
        } catch (error) {
          const detail = error instanceof Error ? oneLine(surfaceMessage(error), 200) : String(error);
          return reply(`Could not start a new session (${detail}). The conversation is unchanged; try /new again.`);
        } finally {
          this.clearingCount -= 1;
        }
      }
    }
  }

  /** /stop: drops queued messages, cancels the running turn and every subagent; returns how many. */
  private async stopEverything(): Promise<number> {
    let count = this.ctx.inbox.dropPending((message) => ({
      messageId: message.messageId,
      seq: message.seq,
      status: 'stopped',
      content: 'Stopped before it started (/stop).',
      toolsUsed: [],
    }));
    const stopped = this.turn;
    if (stopped) {
      stopped.scope.cancel();
      count += 1;
    }
    count += await this.ctx.subagents.cancelAll();
    if (stopped) await condition(() => this.turn !== stopped);
    return count;
  }
}

/** The scope's cancellation as the loop's signal (the loop only reads `aborted`). */
function cancelledSignal(scope: CancellationScope): AbortSignalLike {
  return {
    get aborted() {
      return scope.consideredCancelled;
    },
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  };
}
