import { z } from 'zod';
import { queryDefinition, updateDefinition } from './definitions.js';

// Durable approvals: a tool call an `ask` rule (or hook) stopped waits in its workflow until a
// person decides by update. The same query and update serve turn and session workflows.

/** A tool call waiting for a person. */
export interface PendingApproval {
  /** `<workflowId>#<suffix>`: names the workflow to send the decision to. */
  id: string;
  workflowId: string;
  sessionId: string;
  turnId: string;
  toolCallId: string;
  tool: string;
  /** The call's arguments as JSON, shortened for display. */
  args: string;
  /** Why it asks (the rule's or hook's reason). */
  reason?: string;
  /** The policy rule that asked (index in `tools.policy.rules`); absent when a hook asked. */
  rule?: number;
  /** What "allow for this session" would cover. */
  grantScope: string;
  /** ISO times (workflow time). */
  requestedAt: string;
  expiresAt: string;
}

export const APPROVAL_DECISIONS = ['allow', 'allow_session', 'deny'] as const;
export type ApprovalDecisionKind = (typeof APPROVAL_DECISIONS)[number];

export const ApprovalDecisionInput = z
  .object({
    id: z.string().min(1).max(1000),
    /** `allow`: this call; `allow_session`: also later calls of the same tool and matcher in this session; `deny`. */
    decision: z.enum(APPROVAL_DECISIONS),
    /** A deny's reason reaches the model. */
    reason: z.string().max(1000).optional(),
    /** Who decided (recorded in the session log). */
    by: z.string().max(200).optional(),
  })
  .strict();
export type ApprovalDecisionInput = z.infer<typeof ApprovalDecisionInput>;

export interface ApprovalOutcome {
  id: string;
  decision: ApprovalDecisionKind;
  tool: string;
  sessionId: string;
}

export const pendingApprovalsQuery = queryDefinition<PendingApproval[]>('pendingApprovals');
export const decideApprovalUpdate = updateDefinition<ApprovalOutcome, [ApprovalDecisionInput]>('decideApproval');

const ID_SEPARATOR = '#';

export function approvalId(workflowId: string, suffix: string): string {
  return `${workflowId}${ID_SEPARATOR}${suffix}`;
}

/** The workflow an approval id belongs to, or undefined for text that is not one. */
export function approvalWorkflowId(id: string): string | undefined {
  const at = id.lastIndexOf(ID_SEPARATOR);
  return at > 0 && at < id.length - 1 ? id.slice(0, at) : undefined;
}
