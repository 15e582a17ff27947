import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { runTurn, type TurnProgress, type TurnResult, type Usage } from '../src/core/index.js';
import { ActivityExecutor, proxyAgentActivities } from './activity-executor.js';
import { withSessionOnlyTools } from './session-tool-definitions.js';
import { parseWorkflowInput, TurnWorkflowInput } from './turn-input.js';

export interface TurnWorkflowResult {
  finalContent: string;
  toolsUsed: string[];
  iterations: number;
  usage: Usage;
  stopReason: TurnResult['stopReason'];
  /** A tool already delivered the reply (e.g. `message`). */
  suppressReply: boolean;
  sessionId: string;
  turnId: string;
}

export type TurnStatus = { phase: 'starting' } | TurnProgress | { phase: 'done' };

export const turnStatusQuery = defineQuery<TurnStatus>('status');

/**
 * One user message, run durably: the shared agent loop drives activities for prompt, model,
 * tools and recording. Workers may die at any point; the turn finishes on a survivor.
 */
export async function AgentTurnWorkflow(rawInput: unknown): Promise<TurnWorkflowResult> {
  const input = parseWorkflowInput(TurnWorkflowInput, rawInput, 'AgentTurnWorkflow');
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
      { ...input, turnId },
      { onProgress: (progress) => void (status = progress) },
    );
    status = { phase: 'done' };
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
    await CancellationScope.nonCancellable(() =>
      activities.releaseSession({ sessionId: input.sessionId, turnId }),
    );
    throw surfaceCause(error);
  }
}

/** An activity's final failure is rethrown with its own message, so callers read the real reason. */
export function surfaceCause(error: unknown): unknown {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: error.cause.message,
      type: error.cause.type ?? undefined,
      nonRetryable: true,
      details: error.cause.details as unknown[] | undefined,
    });
  }
  return error;
}
