import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  approvalWorkflowId,
  decideApprovalUpdate,
  pendingApprovalsQuery,
  SESSION_WORKFLOW_TYPE,
  SUBAGENT_WORKFLOW_TYPE,
  TURN_WORKFLOW_TYPE,
  type ApprovalDecisionInput,
  type ApprovalOutcome,
  type PendingApproval,
} from '../contract/index.js';
import { DEFAULT_TASK_QUEUE } from './connection.js';

/** A decision the workflow refused, or an id that names no running workflow. */
export class ApprovalError extends Error {}

export interface ApprovalListing {
  approvals: PendingApproval[];
  /** Running agent workflows that did not answer the query in time (no worker on their queue?). */
  unanswered: string[];
}

const AGENT_TYPES = [TURN_WORKFLOW_TYPE, SESSION_WORKFLOW_TYPE, SUBAGENT_WORKFLOW_TYPE];

/**
 * Tool calls waiting for a person, across the running agent workflows of one task queue (found
 * through visibility, then asked by query), and the decisions that resume them (by update).
 */
export class ApprovalsClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string = DEFAULT_TASK_QUEUE,
  ) {}

  async list(opts: { sessionId?: string; queryTimeoutMs?: number } = {}): Promise<ApprovalListing> {
    const types = AGENT_TYPES.map((type) => `WorkflowType="${type}"`).join(' OR ');
    const query = `ExecutionStatus="Running" AND TaskQueue="${this.taskQueue}" AND (${types})`;
    const ids: string[] = [];
    for await (const execution of this.client.workflow.list({ query })) ids.push(execution.workflowId);
    const unanswered: string[] = [];
    const found = await Promise.all(
      ids.map(async (workflowId) => {
        // A workflow whose queue has no worker never answers: give up on it (and its call) in time.
        const answer = await this.client
          .withDeadline(Date.now() + (opts.queryTimeoutMs ?? 5000), () =>
            this.client.workflow.getHandle(workflowId).query(pendingApprovalsQuery),
          )
          .catch(() => undefined);
        if (answer === undefined) unanswered.push(workflowId);
        return answer ?? [];
      }),
    );
    const approvals = found
      .flat()
      .filter((approval) => opts.sessionId === undefined || approval.sessionId === opts.sessionId)
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.id.localeCompare(b.id));
    return { approvals, unanswered: unanswered.sort() };
  }

  /** The calls waiting in the workflow an approval id names ([] when it names none, or none that runs). */
  async waitingIn(approvalId: string, opts: { queryTimeoutMs?: number } = {}): Promise<PendingApproval[]> {
    const workflowId = approvalWorkflowId(approvalId);
    if (!workflowId) return [];
    try {
      return await this.client.withDeadline(Date.now() + (opts.queryTimeoutMs ?? 5000), () =>
        this.client.workflow.getHandle(workflowId).query(pendingApprovalsQuery),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return [];
      throw error;
    }
  }

  /** Sends a decision; resolves when the waiting workflow has taken it. */
  async decide(input: ApprovalDecisionInput): Promise<ApprovalOutcome> {
    const workflowId = approvalWorkflowId(input.id);
    if (!workflowId) {
      throw new ApprovalError(`"${input.id}" is not an approval id (they look like session-s1#1a2b3c4d); see approvals list.`);
    }
    try {
      return await this.client.workflow.getHandle(workflowId).executeUpdate(decideApprovalUpdate, { args: [input] });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new ApprovalError(`No workflow ${workflowId} is running, so approval ${input.id} is no longer waiting.`);
      }
      if (error instanceof WorkflowUpdateFailedError) {
        const cause = error.cause instanceof Error ? error.cause.message : error.message;
        throw new ApprovalError(cause);
      }
      throw error;
    }
  }
}
