import {
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  uuid4,
} from '@temporalio/workflow';
import type { HookActivities } from '../activities/index.js';
import {
  ApprovalDecisionInput,
  approvalId,
  decideApprovalUpdate,
  durationMs,
  evaluateToolPolicy,
  NON_RETRYABLE_FAILURE_TYPES,
  pendingApprovalsQuery,
  type ApprovalOutcome,
  type PendingApproval,
  type PolicyVerdict,
  type ToolPolicy,
} from '../src/contract/index.js';
import {
  oneLine,
  type HookPresence,
  type PreToolDecision,
  type PreToolHookResult,
  type ToolDecisionRecord,
  type TurnHooks,
} from '../src/core/index.js';
import { surfaceMessage } from './surface-failure.js';

const { beforeToolHook } = proxyActivities<HookActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES] },
});

/** What the turn's executor learnt from buildPrompt: the worker's policy and hooks. */
export interface GateSource {
  readonly toolPolicy?: ToolPolicy;
  readonly hooks?: HookPresence;
}

interface Waiting {
  info: PendingApproval;
  answer?: ApprovalDecisionInput & { at: string };
}

type PreToolContext = Parameters<NonNullable<TurnHooks['onPreTool']>>[0];

const ARGS_PREVIEW_CHARS = 2000;

/**
 * Decides each tool call of a durable turn: the user's beforeTool hook (an activity), then the
 * config's policy (rules evaluated here, deterministically); the stricter answer wins. An `ask`
 * waits in the workflow — surviving worker restarts — until a person answers by update, or the
 * policy's timeout denies. Each call waits on its own; `/stop` (the turn's cancellation) ends the
 * wait. "Allow for this session" answers are kept as grants (carried across continue-as-new).
 */
export class ToolGate {
  private readonly waiting = new Map<string, Waiting>();
  readonly grants: Set<string>;

  constructor(
    private readonly workflowId: string,
    grants: readonly string[] = [],
    private readonly onRequested?: (approval: PendingApproval) => void,
  ) {
    this.grants = new Set(grants);
  }

  /** Registers the pendingApprovals query and the decideApproval update; call before the first await. */
  register(): void {
    setHandler(pendingApprovalsQuery, () => this.pending());
    setHandler(decideApprovalUpdate, (raw) => this.decide(ApprovalDecisionInput.parse(raw)), {
      validator: (raw) => {
        const parsed = ApprovalDecisionInput.safeParse(raw);
        if (!parsed.success) {
          const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'decision'}: ${i.message}`);
          throw new Error(`Invalid approval decision: ${problems.join('; ')}. Send e.g. {"id":"…","decision":"allow"}.`);
        }
        const entry = this.waiting.get(parsed.data.id);
        if (!entry || entry.answer) {
          throw new Error(
            `No approval ${parsed.data.id} is waiting in ${this.workflowId}: it was answered, timed out, or its turn ended. ` +
              'See what waits with: exoclaw-temporal approvals list',
          );
        }
      },
    });
  }

  pending(): PendingApproval[] {
    return [...this.waiting.values()].filter((w) => !w.answer).map((w) => w.info);
  }

  /** The loop's `onPreTool` for one turn (reads the policy the turn's buildPrompt returned). */
  hook(source: GateSource): NonNullable<TurnHooks['onPreTool']> {
    // Synchronous `undefined` when nothing applies: such turns run exactly as before gates existed.
    return (ctx) => (source.toolPolicy || source.hooks?.beforeTool ? this.decideCall(source, ctx) : undefined);
  }

  private decide(input: ApprovalDecisionInput): ApprovalOutcome {
    const entry = this.waiting.get(input.id)!;
    entry.answer = { ...input, at: new Date().toISOString() };
    return { id: input.id, decision: input.decision, tool: entry.info.tool, sessionId: entry.info.sessionId };
  }

  private async decideCall(source: GateSource, ctx: PreToolContext): Promise<PreToolHookResult> {
    const now = (): string => new Date().toISOString();
    let args = ctx.args;
    let hooked: PreToolDecision | null = null;
    if (source.hooks?.beforeTool) {
      try {
        const { sessionId, turnId, channel, chatId, toolCallId, name } = ctx;
        hooked = await beforeToolHook.executeWithOptions({ summary: `beforeToolHook: ${name}` }, [
          { sessionId, turnId, channel, chatId, toolCallId, name, args },
        ]);
      } catch (error) {
        if (isCancellation(error)) throw error;
        const reason = `This ${ctx.name} call was not run: the agent's beforeTool hook failed (${oneLine(surfaceMessage(error), 200)}).`;
        return { action: 'deny', reason, record: { action: 'deny', source: 'hook', reason, at: now() } };
      }
      if (hooked?.action === 'deny') {
        return { action: 'deny', reason: hooked.reason, record: { action: 'deny', source: 'hook', reason: hooked.reason, at: now() } };
      }
      if (hooked?.action === 'rewrite') args = hooked.args;
    }
    const rewritten = hooked?.action === 'rewrite' ? { rewritten: true } : {};
    const verdict = source.toolPolicy ? evaluateToolPolicy(source.toolPolicy, ctx.name, args) : undefined;
    const rule = verdict?.rule !== undefined ? { rule: verdict.rule } : {};
    if (verdict?.action === 'deny') {
      const reason = verdict.reason ?? `This ${ctx.name} call is not allowed by the agent's tool policy.`;
      return { action: 'deny', reason, record: { action: 'deny', source: 'policy', ...rule, reason, at: now(), ...rewritten } };
    }
    const proceed = (record: ToolDecisionRecord | undefined): PreToolHookResult =>
      hooked?.action === 'rewrite' ? { action: 'rewrite', args, ...(record ? { record } : {}) } : record ? { action: 'allow', record } : undefined;

    const policyAsks = verdict?.action === 'ask';
    if (!policyAsks && hooked?.action !== 'ask') {
      if (verdict?.rule !== undefined) return proceed({ action: 'allow', source: 'policy', ...rule, at: now(), ...rewritten });
      if (hooked) return proceed({ action: 'allow', source: 'hook', at: now(), ...rewritten });
      return proceed(undefined);
    }

    const asked: PolicyVerdict = policyAsks ? verdict : hookAsk(ctx.name, args);
    const reason = policyAsks ? verdict.reason : (hooked?.reason ?? verdict?.reason);
    if (this.grants.has(asked.grantKey)) return proceed({ action: 'allow', source: 'grant', ...rule, at: now(), ...rewritten });

    const timeout = source.toolPolicy?.approvalTimeout ?? '24h';
    const answer = await this.waitForPerson(ctx, args, asked, reason, timeout);
    if (!answer) {
      const text = `No one approved this ${ctx.name} call within ${String(timeout)}, so it did not run.`;
      return { action: 'deny', reason: text, record: { action: 'deny', source: 'timeout', ...rule, reason: text, at: now() } };
    }
    const who = { ...(answer.by ? { by: answer.by } : {}), at: answer.at, approvalId: answer.id };
    if (answer.decision === 'deny') {
      const text = `A person denied this ${ctx.name} call${answer.reason ? `: ${answer.reason}` : '.'}`;
      return { action: 'deny', reason: text, record: { action: 'deny', source: 'approval', ...rule, ...(answer.reason ? { reason: answer.reason } : {}), ...who } };
    }
    if (answer.decision === 'allow_session') this.grants.add(asked.grantKey);
    const scope = answer.decision === 'allow_session' ? { reason: `allowed for this session: ${asked.grantScope}` } : {};
    return proceed({ action: 'allow', source: 'approval', ...rule, ...scope, ...who, ...rewritten });
  }

  /** Parks the call until an answer or the timeout (undefined); cancellation (/stop) ends it. */
  private async waitForPerson(
    ctx: PreToolContext,
    args: Record<string, unknown>,
    verdict: PolicyVerdict,
    reason: string | undefined,
    timeout: ToolPolicy['approvalTimeout'],
  ): Promise<(ApprovalDecisionInput & { at: string }) | undefined> {
    const id = approvalId(this.workflowId, uuid4().slice(0, 8));
    const requestedAt = Date.now();
    const info: PendingApproval = {
      id,
      workflowId: this.workflowId,
      sessionId: ctx.sessionId,
      turnId: ctx.turnId,
      toolCallId: ctx.toolCallId,
      tool: ctx.name,
      args: truncate(JSON.stringify(args), ARGS_PREVIEW_CHARS),
      ...(reason ? { reason } : {}),
      ...(verdict.rule !== undefined ? { rule: verdict.rule } : {}),
      grantScope: verdict.grantScope,
      requestedAt: new Date(requestedAt).toISOString(),
      expiresAt: new Date(requestedAt + durationMs(timeout)).toISOString(),
    };
    const entry: Waiting = { info };
    this.waiting.set(id, entry);
    this.onRequested?.(info);
    try {
      const answered = await condition(() => entry.answer !== undefined, durationMs(timeout));
      return answered ? entry.answer : undefined;
    } finally {
      this.waiting.delete(id);
    }
  }
}

/** A hook's ask: granted per tool and subject, like a policy rule of its own. */
function hookAsk(name: string, args: Record<string, unknown>): PolicyVerdict {
  const verdict = evaluateToolPolicy({ rules: [], default: 'ask' }, name, args);
  return { ...verdict, grantKey: `hook\u0000${verdict.grantKey}` };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
