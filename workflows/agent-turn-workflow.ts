import { CancellationScope, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  TURN_WORKFLOW_TYPE,
  turnStatusQuery,
  TurnWorkflowInput,
  withSessionOnlyTools,
  type TurnStatus,
  type TurnWorkflowResult,
} from '../src/contract/index.js';
import { modelSettingsOf, runTurn } from '../src/core/index.js';
import { ActivityExecutor, proxyAgentActivities } from './activity-executor.js';
import { parseWorkflowInput } from './parse-workflow-input.js';
import { reportTurnEnd } from './report-turn-end.js';
import { surfaceCause } from './surface-failure.js';

/**
 * One user message, run durably: the shared agent loop drives activities for prompt, model,
 * tools and recording. Workers may die at any point; the turn finishes on a survivor.
 */
export async function AgentTurnWorkflow(rawInput: unknown): Promise<TurnWorkflowResult> {
  const input = parseWorkflowInput(TurnWorkflowInput, rawInput, TURN_WORKFLOW_TYPE);
  const info = workflowInfo();
  // Stable across workflow retries and continue-as-new; recording is idempotent on it.
  const turnId = `${info.workflowId}/${info.firstExecutionRunId}`;
  let status: TurnStatus = { phase: 'starting' };
  setHandler(turnStatusQuery, () => status);

  const activities = proxyAgentActivities(input.activityOptions);
  // spawn / cron need a session workflow: a plain turn never offers them.
  const executor = new ActivityExecutor(activities, { excludeTools: withSessionOnlyTools(input.excludeTools) });
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
        settings: modelSettingsOf(input),
        maxIterations: input.maxIterations,
      },
      { onProgress: (progress) => void (status = progress) },
    );
    status = { phase: 'done' };
    reportTurnEnd(result.stopReason);
    return {
      finalContent: result.finalContent,
      toolsUsed: result.toolsUsed,
      iterations: result.iterations,
      usage: result.usage,
      stopReason: result.stopReason,
      suppressReply: result.suppressReply,
      sessionId: input.sessionId,
      turnId,
    };
  } catch (error) {
    reportTurnEnd(isCancellation(error) ? 'cancelled' : 'failed');
    await CancellationScope.nonCancellable(() =>
      activities.releaseSession({ sessionId: input.sessionId, turnId }),
    );
    throw surfaceCause(error);
  }
}
