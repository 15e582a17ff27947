import { CancellationScope, isCancellation, log, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  decideApprovalUpdate,
  inDialect,
  TURN_WORKFLOW_TYPE,
  TurnInputOnTheWire,
  turnStatusQuery,
  withSessionOnlyTools,
  type TurnStatus,
  type TurnWorkflowResult,
} from '../src/contract/index.js';
import { modelSettingsOf, runTurn } from '../src/core/index.js';
import { ActivityExecutor, proxyAgentActivities } from './activity-executor.js';
import { parseWorkflowInput } from './parse-workflow-input.js';
import { publishProgress, publishTurnEnd, publishTurnStarted } from './publish-event.js';
import { reportTurnEnd } from './report-turn-end.js';
import { surfaceCause, surfaceMessage } from './surface-failure.js';
import { ToolGate } from './tool-gate.js';
import { UnknownMessages } from './unknown-messages.js';

const MINIMAL_INPUT = '{"sessionId":"s1","message":"hi"} (or the Python reference\'s {"session_id":"s1","message":"hi"})';

/**
 * One user message, run durably: the shared agent loop drives activities for prompt, model,
 * tools and recording. Workers may die at any point; the turn finishes on a survivor.
 * The input may also come in the Python reference's shape; the result then speaks it too.
 */
export async function AgentTurnWorkflow(rawInput: unknown): Promise<TurnWorkflowResult> {
  const { input, dialect, ignored } = parseWorkflowInput(TurnInputOnTheWire, rawInput, TURN_WORKFLOW_TYPE, MINIMAL_INPUT);
  if (ignored.length > 0) log.info("reference input fields not honoured: the worker's own settings apply", { ignored });
  const info = workflowInfo();
  // Stable across workflow retries and continue-as-new; recording is idempotent on it.
  const turnId = `${info.workflowId}/${info.firstExecutionRunId}`;
  let status: TurnStatus = { phase: 'starting' };
  setHandler(turnStatusQuery, () => status);
  // Tool calls an `ask` rule stops wait here for a decision (the only update a turn takes).
  const gate = new ToolGate(info.workflowId);
  gate.register();
  // Other signals and updates are logged and counted, not lost in silence.
  new UnknownMessages(TURN_WORKFLOW_TYPE, { signals: [], updates: [decideApprovalUpdate.name] });

  const activities = proxyAgentActivities(input.activityOptions);
  // spawn / cron need a session workflow: a plain turn never offers them.
  const executor = new ActivityExecutor(activities, {
    excludeTools: withSessionOnlyTools(input.excludeTools),
    onlyTools: input.onlyTools,
  });
  publishTurnStarted(input.sessionId, turnId, 'turn');
  try {
    const result = await runTurn(
      executor,
      {
        sessionId: input.sessionId,
        turnId,
        message: input.message,
        channel: input.channel,
        chatId: input.chatId,
        media: input.media,
        pluginContext: input.pluginContext,
        settings: modelSettingsOf(input),
        maxIterations: input.maxIterations,
      },
      {
        onProgress: (progress) => {
          status = progress;
          publishProgress(input.sessionId, turnId, progress);
        },
        onPreTool: gate.hook(executor),
      },
    );
    status = { phase: 'done' };
    reportTurnEnd(result.stopReason);
    const content = result.suppressReply ? '' : result.finalContent;
    publishTurnEnd(input.sessionId, { messageId: turnId, turnId, status: 'completed', content, stopReason: result.stopReason, toolsUsed: [] }, { origin: 'user' });
    return inDialect({
      finalContent: result.finalContent,
      toolsUsed: result.toolsUsed,
      iterations: result.iterations,
      usage: result.usage,
      stopReason: result.stopReason,
      suppressReply: result.suppressReply,
      sessionId: input.sessionId,
      turnId,
    }, dialect);
  } catch (error) {
    reportTurnEnd(isCancellation(error) ? 'cancelled' : 'failed');
    await CancellationScope.nonCancellable(() =>
      activities.releaseSession({ sessionId: input.sessionId, turnId }),
    );
    const stopped = isCancellation(error);
    publishTurnEnd(
      input.sessionId,
      { messageId: turnId, turnId, status: stopped ? 'stopped' : 'failed', content: stopped ? 'Stopped.' : surfaceMessage(error), toolsUsed: [] },
      { origin: 'user' },
    );
    throw surfaceCause(error);
  }
}
