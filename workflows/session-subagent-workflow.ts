import { isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { modelSettingsOf } from '../src/core/index.js';
import {
  SUBAGENT_WORKFLOW_TYPE,
  SubagentInput,
  withSessionOnlyTools,
  type SubagentResult,
  type TurnWorkflowInput,
} from '../src/contract/index.js';
import type { SessionActivities } from '../activities/session-activities.js';
import { AgentTurnWorkflow } from './agent-turn-workflow.js';
import { parseWorkflowInput } from './parse-workflow-input.js';
import { sessionActivityOptions } from './session-activity-options.js';

const { deliverSessionMessage } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2, maximumAttempts: 20 },
});

/**
 * One subagent: an isolated turn (its own session key, no spawn or cron) that reports its
 * result back to the parent session as a message. A cancelled subagent (/stop) reports nothing.
 */
export async function SessionSubagentWorkflow(rawInput: unknown): Promise<SubagentResult> {
  const input = parseWorkflowInput(SubagentInput, rawInput, SUBAGENT_WORKFLOW_TYPE);
  const { parent } = input;
  const turn: TurnWorkflowInput = {
    sessionId: input.subSessionId,
    message: subagentPrompt(input.task),
    excludeTools: withSessionOnlyTools(parent.excludeTools),
    // /stop reaches a subagent's tools as quickly as the session's own.
    activityOptions: sessionActivityOptions(parent.activityOptions),
    ...modelSettingsOf(parent),
  };
  if (parent.maxIterations !== undefined) turn.maxIterations = parent.maxIterations;
  // A session limited to some tools limits its subagents the same way.
  if (parent.onlyTools !== undefined) turn.onlyTools = parent.onlyTools;

  let ok = true;
  let content: string;
  try {
    // The same turn code as AgentTurnWorkflow (and so the same loop), run as this workflow.
    content = (await AgentTurnWorkflow(turn)).finalContent;
  } catch (error) {
    if (isCancellation(error)) throw error;
    ok = false;
    content = error instanceof Error ? error.message : String(error);
  }

  await deliverSessionMessage({
    session: parent,
    taskQueue: input.taskQueue,
    message: {
      text: reportText(input.label, input.task, ok, content),
      messageId: `${workflowInfo().workflowId}/done`,
      origin: 'subagent',
      source: workflowInfo().workflowId,
    },
  });
  return { ok, label: input.label, content };
}

function subagentPrompt(task: string): string {
  return (
    'You are a subagent doing one task for the main agent. Do it with your tools, then answer with the ' +
    `result (what you found or did), concisely. Nobody can answer questions from you.\nTask: ${task}`
  );
}

function reportText(label: string, task: string, ok: boolean, content: string): string {
  return (
    `[Subagent "${label}" ${ok ? 'finished' : 'failed'}]\nTask: ${task}\n\n${ok ? 'Result' : 'Error'}:\n${content}\n\n` +
    'Tell the user briefly what came of it.'
  );
}
