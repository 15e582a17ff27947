import { proxyActivities, type CancellationScope } from '@temporalio/workflow';
import { CRON_TOOL_NAME, CronArgs, SPAWN_TOOL_NAME, type SessionStartInput } from '../src/contract/index.js';
import type { SessionActivities } from '../activities/session-activities.js';
import { parseWorkflowToolArgs, workflowToolResult, type WorkflowToolRunner } from './session-executor.js';
import type { SessionSubagents } from './session-subagents.js';

const { manageSchedule } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '10s', backoffCoefficient: 2, maximumAttempts: 5 },
});

export interface WorkflowToolsContext {
  session: SessionStartInput;
  taskQueue: string;
  /** Tools this session does not offer. */
  excluded: ReadonlySet<string>;
  subagents: SessionSubagents;
  /** The running turn's scope: a spawn racing /stop must not survive it. */
  scope: CancellationScope;
  /** The turn came from a schedule: it may not add jobs. */
  fromSchedule: boolean;
}

/** The tools the session workflow runs itself for one turn: spawn (child workflows) and cron (Schedules). */
export function sessionWorkflowTools(ctx: WorkflowToolsContext): Map<string, WorkflowToolRunner> {
  const tools = new Map<string, WorkflowToolRunner>();
  if (!ctx.excluded.has(SPAWN_TOOL_NAME)) tools.set(SPAWN_TOOL_NAME, (req) => ctx.subagents.spawn(req, ctx.scope));
  if (!ctx.excluded.has(CRON_TOOL_NAME)) {
    tools.set(CRON_TOOL_NAME, async (req) => {
      const parsed = parseWorkflowToolArgs(req, CRON_TOOL_NAME, CronArgs);
      if (!parsed.ok) return parsed.result;
      const result = await manageSchedule({
        session: ctx.session,
        taskQueue: ctx.taskQueue,
        turnId: req.turnId,
        toolCallId: req.call.id,
        args: parsed.args,
        fromSchedule: ctx.fromSchedule,
      });
      return workflowToolResult(req, result);
    });
  }
  return tools;
}
