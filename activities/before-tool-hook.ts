import { ApplicationFailure } from '@temporalio/activity';
import type { PreToolDecision, ToolCallContext } from '../src/core/index.js';
import type { ActivityDeps } from './activity-deps.js';

/**
 * Runs the user's `beforeTool` hook for one call of a durable turn (user code may do I/O, so it
 * runs here, not in the workflow). Null: no objection. A malformed answer fails for good, and the
 * workflow then denies the call: a broken guard never lets a call through.
 */
export function beforeToolHookActivity(deps: ActivityDeps) {
  return async function beforeToolHook(ctx: ToolCallContext): Promise<PreToolDecision | null> {
    const hook = deps.hooks?.beforeTool;
    if (!hook) return null;
    const decision = await hook(ctx);
    if (decision === undefined || decision === null) return null;
    return checked(decision);
  };
}

function checked(decision: PreToolDecision): PreToolDecision {
  const bad = (why: string) =>
    ApplicationFailure.nonRetryable(`beforeTool hook answered ${JSON.stringify(decision)}: ${why}`, 'InvalidHookDecision');
  switch (decision.action) {
    case 'allow':
    case 'ask':
      return decision;
    case 'deny':
      if (typeof decision.reason !== 'string' || decision.reason.trim() === '') throw bad('a deny needs a reason (the model reads it)');
      return decision;
    case 'rewrite':
      if (typeof decision.args !== 'object' || decision.args === null || Array.isArray(decision.args)) {
        throw bad('a rewrite needs args, an object');
      }
      return decision;
    default:
      throw bad('action must be allow, deny, rewrite or ask');
  }
}
