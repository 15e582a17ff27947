import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import type { AgentMetrics } from './agent-metrics.js';

/**
 * Around every activity on this worker: marks its session busy while it runs (the active
 * sessions gauge) and counts a failed attempt by its failure type.
 */
export class ActivityMetricsInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly metrics: AgentMetrics,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const sessionId = sessionIdOf(input.args[0]);
    const done = sessionId === undefined ? undefined : this.metrics.sessionBusy(sessionId);
    try {
      return await next(input);
    } catch (error) {
      this.metrics.activityFailed(this.ctx.info.activityType, failureTypeOf(error));
      throw error;
    } finally {
      done?.();
    }
  }
}

/** The agent's activities take `{ sessionId, ... }`; others have no session. */
function sessionIdOf(arg: unknown): string | undefined {
  const id = (arg as { sessionId?: unknown } | null | undefined)?.sessionId;
  return typeof id === 'string' && id ? id : undefined;
}

/** The catalogued failure type (ApplicationFailure.type), else the error's class name. */
export function failureTypeOf(error: unknown): string {
  if (error instanceof ApplicationFailure) return error.type ?? 'ApplicationFailure';
  if (error instanceof CancelledFailure) return 'Cancelled';
  if (error instanceof Error) return error.name || 'Error';
  return 'Unknown';
}
