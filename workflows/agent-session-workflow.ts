import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  chatUpdate,
  commandOf,
  decideApprovalUpdate,
  durationMs,
  getLastResponseQuery,
  isProcessingQuery,
  lastReplyQuery,
  pendingCountQuery,
  referenceSendMessageSignal,
  SendMessageArgs,
  sendMessageSignal,
  SESSION_WORKFLOW_TYPE,
  SessionCarriedState,
  SessionInputOnTheWire,
  SessionMessageInput,
  sessionStatusQuery,
  sessionTurnId,
  SPAWN_TOOL_NAME,
  turnCountQuery,
  type ChatCommand,
  type PendingApproval,
  type SessionMessage,
  type SessionReply,
  type SessionStartInput,
  type SessionStatus,
  type SessionWorkflowResult,
} from '../src/contract/index.js';
import { proxyAgentActivities } from './activity-executor.js';
import { parseWorkflowInput } from './parse-workflow-input.js';
import { sessionActivityOptions } from './session-activity-options.js';
import { deliverReply } from './session-channel-delivery.js';
import { SessionInbox } from './session-inbox.js';
import { SessionSubagents } from './session-subagents.js';
import { SessionTurnRunner } from './session-turn-runner.js';
import { ToolGate } from './tool-gate.js';
import { UnknownMessages } from './unknown-messages.js';

const MINIMAL_INPUT = '{"sessionId":"s1"} (or the Python reference\'s {"session_id":"s1"})';

/**
 * One long-lived conversation. Messages arrive by signal (`sendMessage`, or the Python
 * reference's `send_message`) or update (`chat`, which returns that message's reply) and run one
 * at a time, in arrival order, through the shared `runTurn` loop. Commands (/stop, /new, /help)
 * are answered at once. The workflow continues as new every N turns (or when Temporal suggests
 * it) and ends after an idle period; the conversation itself lives on the shared volume, so the
 * next message picks it up. The input may come in our shape or the reference's.
 */
export async function AgentSessionWorkflow(rawInput: unknown): Promise<SessionWorkflowResult> {
  const { input, ignored } = parseWorkflowInput(SessionInputOnTheWire, rawInput, SESSION_WORKFLOW_TYPE, MINIMAL_INPUT);
  if (ignored.length > 0) log.info("reference input fields not honoured: the worker's own settings apply", { ignored });
  const { state: carriedState, ...startInput } = input;
  const info = workflowInfo();
  // Carried state makes messages run and replies answer: only a run this chain continued may pass it.
  if (carriedState && !info.continuedFromExecutionRunId) {
    throw ApplicationFailure.nonRetryable(
      `${SESSION_WORKFLOW_TYPE} input "state" is internal: only a continued-as-new run accepts it. ` +
        'Start a session with {"sessionId":"s1"} and send messages with the sendMessage signal or the chat update.',
      'InvalidInput',
    );
  }
  const session: SessionStartInput = startInput;
  const carried = carriedState ?? SessionCarriedState.parse({});
  const { workflowId, taskQueue } = info;
  const sessionId = input.sessionId;

  const inbox = new SessionInbox(carried, { maxRecent: input.maxRecentReplies, maxPending: input.maxPendingMessages });
  const subagents = new SessionSubagents(
    { session, sessionId, workflowId, taskQueue, max: input.maxSubagents },
    carried.subagents,
  );
  const gate = new ToolGate(workflowId, carried.approvalGrants);
  // maxSubagents 0 means no spawn at all: the model does not see it.
  const excludeTools = input.maxSubagents === 0 ? [...(input.excludeTools ?? []), SPAWN_TOOL_NAME] : input.excludeTools;
  const turns = new SessionTurnRunner(
    {
      input,
      session,
      sessionId,
      workflowId,
      taskQueue,
      activities: proxyAgentActivities(sessionActivityOptions(input.activityOptions)),
      excludeTools,
      inbox,
      subagents,
      gate,
    },
    carried,
  );

  // ---- handlers (registered before the first await, so messages sent with the start are seen)

  setHandler(sendMessageSignal, async (raw) => {
    const parsed = SessionMessageInput.safeParse(raw);
    if (!parsed.success) {
      log.warn('sendMessage ignored: invalid message', { issues: parsed.error.issues.map((i) => i.message) });
      return;
    }
    await receiveSignalled(parsed.data, 'sendMessage');
  });

  // The reference's signal: the same queue, its positional arguments made into our message.
  setHandler(referenceSendMessageSignal, async (...args) => {
    const parsed = SendMessageArgs.safeParse(args);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`);
      log.warn('send_message ignored: invalid message', { issues });
      return;
    }
    await receiveSignalled(parsed.data, 'send_message');
  });

  /** A signalled message: queued (commands run at once); its handler must not wait for the turn (continue-as-new waits for handlers). */
  async function receiveSignalled(message: SessionMessage, signal: string): Promise<void> {
    const command = commandOf(message.text);
    if (command) await runCommandOnce(command, message);
    else if (inbox.canAccept(message)) enqueue(message);
    else {
      inbox.refuse();
      log.warn(`${signal} dropped: the queue is full`, { pending: inbox.pendingCount, dropped: inbox.droppedCount });
    }
  }

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
        if (!commandOf(parsed.data.text) && !inbox.canAccept(parsed.data)) {
          throw new Error(
            `Session ${sessionId} has ${inbox.pendingCount} messages waiting, the most it queues; ` +
              'wait for replies (or send /stop) and try again.',
          );
        }
      },
    },
  );

  setHandler(sessionStatusQuery, (): SessionStatus => ({
    sessionId,
    workflowId,
    state: turns.running ? 'running' : 'idle',
    turn: turns.status(),
    pending: inbox.pendingCount,
    dropped: inbox.droppedCount,
    turnCount: turns.turnCount,
    run: carried.runs,
    subagents: subagents.running,
    clearing: turns.clearing,
    lastReply: turns.lastReply,
    unknownMessages: unknown.total,
    ...approvalsIfAny(),
  }));
  const approvalsIfAny = (): { approvals?: PendingApproval[] } => {
    const waiting = gate.pending();
    return waiting.length > 0 ? { approvals: waiting } : {};
  };
  gate.register();
  setHandler(lastReplyQuery, () => turns.lastReply ?? null);
  setHandler(pendingCountQuery, () => inbox.pendingCount);
  setHandler(turnCountQuery, () => turns.turnCount);
  // The reference's queries. is_processing also counts queued messages (and a /new at work), so a
  // client that polls it right after signalling does not read "idle" before its message has started.
  setHandler(getLastResponseQuery, () => turns.lastReply?.content ?? null);
  setHandler(isProcessingQuery, () => turns.running || inbox.pendingCount > 0 || turns.clearing);
  // Last: every name not registered above is logged and counted, never dropped in silence.
  const unknown = new UnknownMessages(
    SESSION_WORKFLOW_TYPE,
    { signals: [sendMessageSignal.name, referenceSendMessageSignal.name], updates: [chatUpdate.name, decideApprovalUpdate.name] },
    carried.unknownMessages,
  );

  /** Queues a message (unless its id was seen); returns its id. */
  function enqueue(message: SessionMessage): string {
    if (message.origin === 'subagent' && message.source) subagents.reported(message.source);
    const accepted = inbox.accept(message, () => `auto-${uuid4()}`);
    return accepted.kind === 'queued' ? accepted.message.messageId : accepted.messageId;
  }

  /** Commands run at once, not behind the running turn; a repeated message id gets the first answer. */
  async function runCommandOnce(command: ChatCommand, message: SessionMessage): Promise<SessionReply> {
    const seen = message.messageId ? inbox.answered(message.messageId) : undefined;
    if (seen) return seen;
    const reply = await turns.runCommand(command, message.messageId ?? `cmd-${uuid4()}`);
    if (message.messageId) inbox.complete(reply);
    const origin = { channel: message.channel ?? input.channel, chatId: message.chatId ?? input.chatId };
    await deliverReply(origin, reply, sessionTurnId(workflowId, `${reply.messageId}/reply`));
    return reply;
  }

  // ---- the main loop

  const hasWork = (): boolean => inbox.pendingCount > 0 && !turns.clearing;
  const continueAsNewDue = (): boolean =>
    turns.turnsThisRun >= input.maxTurnsBeforeContinueAsNew || workflowInfo().continueAsNewSuggested;

  for (;;) {
    if (continueAsNewDue()) {
      await drainAwaitedMessages();
      const snapshot = inbox.snapshot();
      log.info('continuing as new', { turnCount: turns.turnCount, pending: snapshot.pending.length });
      return continueAsNew<typeof AgentSessionWorkflow>({
        ...session,
        state: {
          pending: snapshot.pending,
          recent: snapshot.recent,
          messageSeq: snapshot.messageSeq,
          turnCount: turns.turnCount,
          subagents: subagents.running,
          lastReply: turns.lastReply,
          runs: carried.runs + 1,
          unknownMessages: unknown.snapshot(),
          ...(gate.grants.size > 0 ? { approvalGrants: [...gate.grants] } : {}),
        },
      });
    }
    const woke = await condition(() => hasWork() || continueAsNewDue(), durationMs(input.idleTimeout));
    if (woke) {
      if (hasWork()) await turns.runNext();
      continue;
    }
    // Idle: end the run cleanly, unless something is still going on.
    if (subagents.running.length > 0 || turns.clearing) continue;
    await condition(() => allHandlersFinished() || hasWork());
    if (hasWork()) continue;
    log.info('session idle: ending this run', { turnCount: turns.turnCount });
    return { sessionId, reason: 'idle', turnCount: turns.turnCount };
  }

  /**
   * An update cannot outlive its run, so before continue-as-new every queued message that a
   * `chat` caller waits for is answered (with the messages ahead of it, in order), and every
   * handler has finished. Messages nobody waits for are carried to the next run.
   */
  async function drainAwaitedMessages(): Promise<void> {
    for (;;) {
      while (inbox.hasAwaitedPending()) {
        await condition(() => !turns.clearing);
        await turns.runNext();
      }
      await condition(() => allHandlersFinished() || inbox.hasAwaitedPending());
      if (!inbox.hasAwaitedPending()) return;
    }
  }
}
