import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { APPROVAL_DECISIONS, ApprovalDecisionInput } from '../contract/approvals.js';
import { InputLimits } from '../contract/input-limits.js';
import { ApprovalError } from '../temporal/approvals-client.js';
import { checkScope } from './gateway-auth.js';
import type { GatewayContext } from './gateway-context.js';
import { sendError } from './gateway-errors.js';
import { parseBody } from './session-routes.js';

const ApprovalParams = z.object({ id: InputLimits.sessionId, approvalId: ApprovalDecisionInput.shape.id });

export const DecisionBody = z.strictObject({
  decision: z.enum(APPROVAL_DECISIONS),
  /** A deny's reason reaches the model. */
  reason: ApprovalDecisionInput.shape.reason,
});

/**
 * Tool calls of a session that wait for a person (docs/approvals.md), and the decisions that
 * resume them. Who decided is the token's name, so the audit record says which caller it was.
 */
export function approvalRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/v1/sessions/:id/approvals', async (request, reply) => {
    const sessionId = sessionOf(request, reply);
    if (sessionId === undefined || !checkScope(request, reply, sessionId)) return reply;
    const { approvals } = await ctx.approvals.list({ sessionId });
    return { sessionId, approvals };
  });

  app.post('/v1/sessions/:id/approvals/:approvalId', async (request, reply) => {
    const params = ApprovalParams.safeParse(request.params);
    if (!params.success) return sendError(reply, 400, `bad path: ${params.error.issues[0]?.message ?? 'invalid'}`, 'bad_approval_id');
    const { id: sessionId, approvalId } = params.data;
    if (!checkScope(request, reply, sessionId)) return reply;
    const body = parseBody(DecisionBody, request, reply);
    if (!body) return reply;
    // Only a call of this session may be answered through it: the scope check above covers the
    // session, so an id from another session must not slip through. Asking the one workflow the
    // id names is cheaper than a listing and sees a call that visibility has not caught up with.
    const waiting = await ctx.approvals.waitingIn(approvalId);
    if (!waiting.some((a) => a.id === approvalId && a.sessionId === sessionId)) return notWaiting(reply, sessionId, approvalId);
    try {
      const outcome = await ctx.approvals.decide({ id: approvalId, decision: body.decision, reason: body.reason, by: request.identity!.name });
      return { sessionId, approval: outcome, by: request.identity!.name };
    } catch (error) {
      // Answered meanwhile (by someone else, a timeout or a stop): it no longer waits.
      if (error instanceof ApprovalError) return notWaiting(reply, sessionId, approvalId, error.message);
      throw error;
    }
  });
}

function sessionOf(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const parsed = z.object({ id: InputLimits.sessionId }).safeParse(request.params);
  if (parsed.success) return parsed.data.id;
  void sendError(reply, 400, `bad session id: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'bad_session_id');
  return undefined;
}

function notWaiting(reply: FastifyReply, sessionId: string, approvalId: string, detail?: string): FastifyReply {
  return sendError(
    reply,
    404,
    `No call of session "${sessionId}" waits under approval id "${approvalId}" (already answered, timed out, stopped, or never asked)` +
      `${detail ? `: ${detail}` : ''}. GET /v1/sessions/${encodeURIComponent(sessionId)}/approvals lists the waiting ones.`,
    'approval_not_waiting',
  );
}
