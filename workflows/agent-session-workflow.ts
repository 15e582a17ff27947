import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  TemporalFailure,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ERROR_HINT,
  isCancellation,
  oneLine,
  runTurn,
  type AbortSignalLike,
  type ToolStep,
  type ToolStepResult,
} from '../src/core/index.js';
import type { SessionActivities } from '../activities/session-activities.js';
import { ActivityExecutor, proxyAgentActivities } from './activity-executor.js';
import { surfaceCause } from './agent-turn-workflow.js';
import {
  chatUpdate,
  lastReplyQuery,
  pendingCountQuery,
  sendMessageSignal,
  SESSION_WORKFLOW_TYPE,
  sessionStatusQuery,
  sessionTurnId,
  turnCountQuery,
  type SessionStatus,
  type SessionTurnStatus,
  type SessionWorkflowResult,
} from './session-api.js';
import { commandOf, SESSION_HELP_TEXT, stoppedText, type SessionCommand } from './session-commands.js';
import { SessionExecutor, workflowToolResult, type WorkflowToolRunner } from './session-executor.js';
import { SessionInbox } from './session-inbox.js';
import {
  sessionActivityOptions,
  SessionCarriedState,
  SessionMessageInput,
  SessionWorkflowInput,
  type QueuedMessage,
  type RunningSubagent,
  type SessionMessage,
  type SessionReply,
  type SessionStartInput,
} from './session-input.js';
import { SessionSubagentWorkflow, type SubagentInput } from './session-subagent-workflow.js';
import {
  CRON_TOOL_NAME,
  describeArgsError,
  SPAWN_TOOL_NAME,
  SpawnArgs,
} from './session-tool-definitions.js';
import { parseWorkflowInput } from './turn-input.js';

const NO_RESPONSE = 'I finished, but have nothing to add.';

const { manageSchedule } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '10s', backoffCoefficient: 2, maximumAttempts: 5 },
});
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

/**
 * One long-lived conversation. Messages arrive by signal (`sendMessage`) or update (`chat`,
 * which returns that message's reply) and run one at a time, in arrival order, through the
 * shared `runTurn` loop. Commands (/stop, /new, /help) are answered at once. The workflow
 * continues as new every N turns (or when Temporal suggests it) and ends after an idle period;
 * the conversation itself lives on the shared volume, so the next message picks it up.
 */
export async function AgentSessionWorkflow(rawInput: unknown): Promise<SessionWorkflowResult> {
  const input = parseWorkflowInput(SessionWorkflowInput, rawInput, SESSION_WORKFLOW_TYPE);
  const { state: carriedState, ...startInput } = input;
  const session: SessionStartInput = startInput;
  const carried = carriedState ?? SessionCarriedState.parse({});
  const { workflowId, taskQueue } = workflowInfo();
  const sessionId = input.sessionId;

  const inbox = new SessionInbox(carried, input.maxRecentReplies);
  let turnCount = carried.turnCount;
  let turnsThisRun = 0;
  let lastReply: SessionReply | undefined = carried.lastReply;
  let subagents: RunningSubagent[] = [...carried.subagents];
  let clearing = 0;
  let turn: RunningTurn | undefined;

  const activities = proxyAgentActivities(sessionActivityOptions(input.activityOptions));
  // maxSubagents 0 means no spawn at all: the model does not see it.
  const excludeTools = input.maxSubagents === 0 ? [...(input.excludeTools ?? []), SPAWN_TOOL_NAME] : input.excludeTools;
  const excluded = new Set(excludeTools ?? []);

  // ---- handlers (registered before the first await, so messages sent with the start are seen)

  setHandler(sendMessageSignal, async (raw) => {
    const parsed = SessionMessageInput.safeParse(raw);
    if (!parsed.success) {
      log.warn('sendMessage ignored: invalid message', { issues: parsed.error.issues.map((i) => i.message) });
      return;
    }
    // A signal only queues: its handler must not wait for the turn (continue-as-new waits for handlers).
    const message = parsed.data;
    const command = commandOf(message.text);
    if (command) await runCommandOnce(command, message);
    else enqueue(message);
  });

  setHandler(
    chatUpdate,
    async (raw) => {
      const message = SessionMessageInput.parse(raw);
      const command = commandOf(message.text);
      return command ? runCommandOnce(command, message) : inbox.reply(enqueue(message));
    },
    {
      validator: (raw) => {
        const parsed = SessionMessageInput.safeParse(raw);
        if (!parsed.success) {
          const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`);
          throw new Error(`Invalid chat message: ${problems.join('; ')}. Send e.g. {"text":"hello"}.`);
        }
      },
    },
  );

  setHandler(sessionStatusQuery, (): SessionStatus => ({
    sessionId,
    workflowId,
    state: turn ? 'running' : 'idle',
    turn: turn ? { ...turn.status, elapsedMs: Date.now() - turn.status.startedAt } : undefined,
    pending: inbox.pendingCount,
    turnCount,
    run: carried.runs,
    subagents,
    clearing: clearing > 0,
    lastReply,
  }));
  setHandler(lastReplyQuery, () => lastReply ?? null);
  setHandler(pendingCountQuery, () => inbox.pendingCount);
  setHandler(turnCountQuery, () => turnCount);

  /** Queues a message (unless its id was seen); returns its id. */
  function enqueue(message: SessionMessage): string {
    if (message.origin === 'subagent' && message.source) {
      subagents = subagents.filter((child) => child.workflowId !== message.source);
    }
    const accepted = inbox.accept(message, () => `auto-${uuid4()}`);
    return accepted.kind === 'queued' ? accepted.message.messageId : accepted.messageId;
  }

  /** Commands run at once, not behind the running turn; a repeated message id gets the first answer. */
  async function runCommandOnce(command: SessionCommand, message: SessionMessage): Promise<SessionReply> {
    const seen = message.messageId ? inbox.answered(message.messageId) : undefined;
    if (seen) return seen;
    const reply = await runCommand(command, message.messageId ?? `cmd-${uuid4()}`);
    if (message.messageId) inbox.complete(reply);
    return reply;
  }

  async function runCommand(command: SessionCommand, messageId: string): Promise<SessionReply> {
    const reply = (content: string): SessionReply => ({ messageId, status: 'command', content, toolsUsed: [] });
    switch (command) {
      case '/help':
        return reply(SESSION_HELP_TEXT);
      case '/stop':
        return reply(stoppedText(await stopEverything()));
      case '/new': {
        await stopEverything();
        clearing += 1;
        try {
          await clearSession({ sessionId, requestId: sessionTurnId(workflowId, `new-${messageId}`) });
          return reply('New session started.');
        } catch (error) {
          const detail = error instanceof Error ? oneLine(surfaceMessage(error), 200) : String(error);
          return reply(`Could not start a new session (${detail}). The conversation is unchanged; try /new again.`);
        } finally {
          clearing -= 1;
        }
      }
    }
  }

  /** /stop: drops queued messages, cancels the running turn and every subagent; returns how many. */
  async function stopEverything(): Promise<number> {
    let count = inbox.dropPending((message) => ({
      messageId: message.messageId,
      seq: message.seq,
      status: 'stopped',
      content: 'Stopped before it started (/stop).',
      toolsUsed: [],
    }));
    const stopped = turn;
    if (stopped) {
      stopped.scope.cancel();
      count += 1;
    }
    const children = subagents;
    subagents = [];
    count += children.length;
    await Promise.allSettled(children.map((child) => getExternalWorkflowHandle(child.workflowId).cancel()));
    if (stopped) await condition(() => turn !== stopped);
    return count;
  }

  // ---- turns

  async function runNext(): Promise<void> {
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
    turn = current;
    const base = { messageId: message.messageId, seq: message.seq, turnId };
    let reply: SessionReply;
    try {
      const result = await scope.run(() =>
        runTurn(
          executorFor(message, scope),
          {
            sessionId,
            turnId,
            message: message.text,
            channel: message.channel ?? input.channel,
            chatId: message.chatId ?? input.chatId,
            media: message.media,
            model: input.model,
            temperature: input.temperature,
            maxTokens: input.maxTokens,
            reasoningEffort: input.reasoningEffort,
            maxIterations: input.maxIterations,
            signal: cancelledSignal(scope),
          },
          { onProgress: (progress) => void (current.status.progress = progress) },
        ),
      );
      turnCount += 1;
      reply = {
        ...base,
        status: 'completed',
        content: result.suppressReply ? '' : result.finalContent || NO_RESPONSE,
        toolsUsed: result.toolsUsed,
        iterations: result.iterations,
        stopReason: result.stopReason,
        suppressReply: result.suppressReply,
      };
    } catch (error) {
      // Only Temporal failures (activities, cancellation) end a turn here; a bug fails the task.
      if (!(error instanceof TemporalFailure) && !isCancellation(error)) throw error;
      await CancellationScope.nonCancellable(() => activities.releaseSession({ sessionId, turnId }));
      reply = isCancellation(error)
        ? { ...base, status: 'stopped', content: 'Stopped.', toolsUsed: [] }
        : {
            ...base,
            status: 'failed',
            content: `Sorry, this message could not be answered: ${oneLine(surfaceMessage(error), 300)}. Please try again.`,
            toolsUsed: [],
          };
    } finally {
      turnsThisRun += 1;
      inbox.finish();
      turn = undefined;
    }
    lastReply = reply;
    inbox.complete(reply);
  }

  function executorFor(message: QueuedMessage, scope: CancellationScope): SessionExecutor {
    const inner = new ActivityExecutor(activities, { excludeTools });
    const tools = new Map<string, WorkflowToolRunner>();
    if (!excluded.has(SPAWN_TOOL_NAME)) tools.set(SPAWN_TOOL_NAME, (req) => spawn(req, scope));
    if (!excluded.has(CRON_TOOL_NAME)) {
      tools.set(CRON_TOOL_NAME, async (req) => {
        const out = await manageSchedule({
          session,
          taskQueue,
          turnId: req.turnId,
          toolCallId: req.call.id,
          args: req.call.arguments,
          fromSchedule: message.origin === 'schedule',
        });
        return workflowToolResult(req, out.result, out.isError);
      });
    }
    return new SessionExecutor(inner, tools);
  }

  /** spawn: starts a subagent child workflow that outlives this turn and reports back as a message. */
  async function spawn(req: ToolStep, scope: CancellationScope): Promise<ToolStepResult> {
    const parsed = SpawnArgs.safeParse(req.call.arguments);
    if (!parsed.success) return workflowToolResult(req, describeArgsError(SPAWN_TOOL_NAME, parsed.error) + ERROR_HINT, true);
    if (subagents.length >= input.maxSubagents) {
      const text = `Error: ${subagents.length} subagents are already running (the limit is ${input.maxSubagents}); wait for one to report back.`;
      return workflowToolResult(req, text + ERROR_HINT, true);
    }
    const { task } = parsed.data;
    const label = parsed.data.label ?? oneLine(task, 40);
    const shortId = uuid4().slice(0, 8);
    const child: RunningSubagent = {
      workflowId: `${workflowId}:sub:${shortId}`,
      sessionId: `${sessionId}:sub:${shortId}`,
      label,
      task,
      startedAt: Date.now(),
    };
    const args: SubagentInput = { parent: session, taskQueue, subSessionId: child.sessionId, label, task };
    // Not cancelled with the turn (it outlives it) and not closed with this run (continue-as-new).
    await CancellationScope.nonCancellable(() =>
      startChild(SessionSubagentWorkflow, {
        workflowId: child.workflowId,
        args: [args],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      }),
    );
    subagents.push(child);
    if (scope.consideredCancelled) {
      // /stop came while the child was starting: it must not survive the stop.
      subagents = subagents.filter((s) => s !== child);
      await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(child.workflowId).cancel());
    }
    log.info('subagent started', { subagent: child.workflowId, label });
    return workflowToolResult(
      req,
      `Subagent "${label}" started (id ${child.workflowId}). It works in the background; its result will ` +
        'arrive in this conversation as a new message when it finishes. Do not wait or poll for it.',
      false,
    );
  }

  // ---- the main loop

  const hasWork = (): boolean => inbox.pendingCount > 0 && clearing === 0;
  const continueAsNewDue = (): boolean =>
    turnsThisRun >= input.maxTurnsBeforeContinueAsNew || workflowInfo().continueAsNewSuggested;

  for (;;) {
    if (continueAsNewDue()) {
      await drainAwaitedMessages();
      const snapshot = inbox.snapshot();
      log.info('continuing as new', { turnCount, pending: snapshot.pending.length });
      return continueAsNew<typeof AgentSessionWorkflow>({
        ...session,
        state: {
          pending: snapshot.pending,
          recent: snapshot.recent,
          messageSeq: snapshot.messageSeq,
          turnCount,
          subagents,
          lastReply,
          runs: carried.runs + 1,
        },
      });
    }
    const woke = await condition(() => hasWork() || continueAsNewDue(), input.idleTimeout);
    if (woke) {
      if (hasWork()) await runNext();
      continue;
    }
    // Idle: end the run cleanly, unless something is still going on.
    if (subagents.length > 0 || clearing > 0) continue;
    await condition(() => allHandlersFinished() || hasWork());
    if (hasWork()) continue;
    log.info('session idle: ending this run', { turnCount });
    return { sessionId, reason: 'idle', turnCount };
  }

  /**
   * An update cannot outlive its run, so before continue-as-new every queued message that a
   * `chat` caller waits for is answered (with the messages ahead of it, in order), and every
   * handler has finished. Messages nobody waits for are carried to the next run.
   */
  async function drainAwaitedMessages(): Promise<void> {
    for (;;) {
      while (inbox.hasAwaitedPending()) {
        await condition(() => clearing === 0);
        await runNext();
      }
      await condition(() => allHandlersFinished() || inbox.hasAwaitedPending());
      if (!inbox.hasAwaitedPending()) return;
    }
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

/** The readable reason of a failure (an activity's own message rather than "Activity task failed"). */
function surfaceMessage(error: unknown): string {
  const surfaced = surfaceCause(error);
  return surfaced instanceof Error ? surfaced.message : String(surfaced);
}
