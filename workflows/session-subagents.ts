import {
  CancellationScope,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  startChild,
  uuid4,
} from '@temporalio/workflow';
import {
  SpawnArgs,
  SPAWN_TOOL_NAME,
  type RunningSubagent,
  type SessionStartInput,
  type SubagentInput,
} from '../src/contract/index.js';
import { oneLine, type ToolStep, type ToolStepResult } from '../src/core/index.js';
import { SessionSubagentWorkflow } from './session-subagent-workflow.js';
import { workflowToolError, workflowToolResult, parseWorkflowToolArgs } from './session-executor.js';

export interface SubagentHome {
  session: SessionStartInput;
  sessionId: string;
  workflowId: string;
  taskQueue: string;
  /** Subagents that may run at once. */
  max: number;
}

/**
 * The session's running subagents: child workflows that outlive the turn that spawned them and
 * report back as a message. Their list is carried across continue-as-new.
 */
export class SessionSubagents {
  private list: RunningSubagent[];

  constructor(
    private readonly home: SubagentHome,
    carried: readonly RunningSubagent[],
  ) {
    this.list = [...carried];
  }

  get running(): RunningSubagent[] {
    return this.list;
  }

  /** A subagent reported back (its message arrived): it no longer runs. */
  reported(workflowId: string): void {
    this.list = this.list.filter((child) => child.workflowId !== workflowId);
  }

  /** /stop: cancels every subagent; returns how many. */
  async cancelAll(): Promise<number> {
    const children = this.list;
    this.list = [];
    await Promise.allSettled(children.map((child) => getExternalWorkflowHandle(child.workflowId).cancel()));
    return children.length;
  }

  /** The `spawn` tool: starts a subagent child workflow and answers at once. */
  async spawn(req: ToolStep, scope: CancellationScope): Promise<ToolStepResult> {
    const parsed = parseWorkflowToolArgs(req, SPAWN_TOOL_NAME, SpawnArgs);
    if (!parsed.ok) return parsed.result;
    const { max, workflowId, sessionId } = this.home;
    if (this.list.length >= max) {
      return workflowToolError(
        req,
        `Error: ${this.list.length} subagents are already running (the limit is ${max}); wait for one to report back.`,
      );
    }
    const { task } = parsed.args;
    const label = parsed.args.label ?? oneLine(task, 40);
    const shortId = uuid4().slice(0, 8);
    const child: RunningSubagent = {
      workflowId: `${workflowId}:sub:${shortId}`,
      sessionId: `${sessionId}:sub:${shortId}`,
      label,
      task,
      startedAt: Date.now(),
    };
    const args: SubagentInput = {
      parent: this.home.session,
      taskQueue: this.home.taskQueue,
      subSessionId: child.sessionId,
      label,
      task,
    };
    // Not cancelled with the turn (it outlives it) and not closed with this run (continue-as-new).
    await CancellationScope.nonCancellable(() =>
      startChild(SessionSubagentWorkflow, {
        workflowId: child.workflowId,
        args: [args],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      }),
    );
    this.list.push(child);
    if (scope.consideredCancelled) {
      // /stop came while the child was starting: it must not survive the stop.
      this.reported(child.workflowId);
      await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(child.workflowId).cancel());
    }
    log.info('subagent started', { subagent: child.workflowId, label });
    return workflowToolResult(
      req,
      `Subagent "${label}" started (id ${child.workflowId}). It works in the background; its result will ` +
        'arrive in this conversation as a new message when it finishes. Do not wait or poll for it.',
    );
  }
}
