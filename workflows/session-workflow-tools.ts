import { proxyActivities, type CancellationScope } from '@temporalio/workflow';
import { CRON_TOOL_NAME, CronArgs, SPAWN_TOOL_NAME, type SessionStartInput } from '../src/contract/index.js';
import { isToolOffered, type ToolSelection, type ToolStep, type ToolStepResult } from '../src/core/index.js';
import type { SessionActivities } from '../activities/session-activities.js';
import { toolCallSummary } from './activity-summaries.js';
import { parseWorkflowToolArgs, workflowToolResult, type WorkflowToolRunner } from './session-executor.js';
import type { SessionSubagents } from './session-subagents.js';

const { manageSchedule } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '10s', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** Schedules a run adds are remembered this long (Temporal lists new schedules a little later). */
const RECENT_JOBS_KEPT = 50;

/**
 * The session's cron tool. Calls run one after another, even when the model asks for several at
 * once, and each knows the jobs the ones before it added: the per-session job cap holds even
 * against a storm of parallel calls in one step.
 */
export class SessionCronJobs {
  private chain: Promise<unknown> = Promise.resolve();
  private recent: string[] = [];

  run(req: ToolStep, ctx: { session: SessionStartInput; taskQueue: string; fromSchedule: boolean }): Promise<ToolStepResult> {
    const result = this.chain.then(() => this.runNow(req, ctx));
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async runNow(req: ToolStep, ctx: { session: SessionStartInput; taskQueue: string; fromSchedule: boolean }): Promise<ToolStepResult> {
    const parsed = parseWorkflowToolArgs(req, CRON_TOOL_NAME, CronArgs);
    if (!parsed.ok) return parsed.result;
    const { addedScheduleId, ...result } = await manageSchedule.executeWithOptions({ summary: toolCallSummary(req.call) }, [
      {
        session: ctx.session,
        taskQueue: ctx.taskQueue,
        turnId: req.turnId,
        toolCallId: req.call.id,
        args: parsed.args,
        fromSchedule: ctx.fromSchedule,
        recentScheduleIds: this.recent,
      },
    ]);
    if (addedScheduleId) this.recent = [...this.recent, addedScheduleId].slice(-RECENT_JOBS_KEPT);
    return workflowToolResult(req, result);
  }
}

export interface WorkflowToolsContext {
  session: SessionStartInput;
  taskQueue: string;
  /** Which tools this session offers (`excludeTools`, `onlyTools`). */
  selection: ToolSelection;
  subagents: SessionSubagents;
  cronJobs: SessionCronJobs;
  /** The running turn's scope: a spawn racing /stop must not survive it. */
  scope: CancellationScope;
  /** The turn came from a schedule: it may not add jobs. */
  fromSchedule: boolean;
}

/** The tools the session workflow runs itself for one turn: spawn (child workflows) and cron (Schedules). */
export function sessionWorkflowTools(ctx: WorkflowToolsContext): Map<string, WorkflowToolRunner> {
  const tools = new Map<string, WorkflowToolRunner>();
  if (isToolOffered(SPAWN_TOOL_NAME, ctx.selection)) tools.set(SPAWN_TOOL_NAME, (req) => ctx.subagents.spawn(req, ctx.scope));
  if (isToolOffered(CRON_TOOL_NAME, ctx.selection)) tools.set(CRON_TOOL_NAME, (req) => ctx.cronJobs.run(req, ctx));
  return tools;
}
