// Metric 1: the same N-step turn run durably (AgentTurnWorkflow on the worker) and in-process
// (runTurn + DirectExecutor over the same provider, tools and session store).
import { randomUUID } from 'node:crypto';
import { modelSettingsOf, runTurn } from '../../src/core/index.js';
import { DirectExecutor } from '../../src/runtime/index.js';
import { benchTurnMessage } from './bench-script.js';
import { roundTripBreakdown } from './event-gaps.js';
import { BenchSanityError, type PhaseContext } from './phase-context.js';
import { median, round, timed } from './stats.js';

export async function measureStepOverhead(ctx: PhaseContext): Promise<void> {
  const { stack, opts, progress, emit } = ctx;
  const steps = opts.steps;
  const message = benchTurnMessage(steps);
  const defaults = stack.config.agents.defaults;
  const executor = new DirectExecutor({
    provider: stack.model.provider,
    settings: { ...modelSettingsOf(defaults), model: stack.model.model },
    conversation: stack.deps.conversation,
    tools: stack.deps.tools,
    logger: stack.logger,
  });

  let lastWorkflowId = '';
  const durable = async (label: string): Promise<number> => {
    ctx.signal.throwIfAborted();
    const { ms, value } = await timed(() =>
      stack.exoclaw.runTurn({ sessionId: `bench-${ctx.runId}-durable-${label}`, message }),
    );
    expectSteps('durable', value.toolsUsed.length, steps);
    lastWorkflowId = value.workflowId;
    return ms;
  };
  const inProcess = async (label: string): Promise<number> => {
    ctx.signal.throwIfAborted();
    const { ms, value } = await timed(() =>
      runTurn(executor, {
        sessionId: `bench-${ctx.runId}-direct-${label}`,
        turnId: randomUUID(),
        message,
      }),
    );
    expectSteps('in-process', value.toolsUsed.length, steps);
    return ms;
  };

  progress(`overhead: warm-up (one ${steps}-step turn each way)`);
  await durable('warmup');
  await inProcess('warmup');
  const durableMs: number[] = [];
  const inProcessMs: number[] = [];
  const perStep: number[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    // Interleaved, so drift (page cache, JIT, the server's SQLite) hits both sides alike.
    const d = await durable(String(run));
    const i = await inProcess(String(run));
    durableMs.push(d);
    inProcessMs.push(i);
    perStep.push((d - i) / steps);
    progress(`overhead: run ${run}/${opts.runs}: durable ${d.toFixed(0)} ms, in-process ${i.toFixed(0)} ms`);
  }

  const context = { steps, runs: opts.runs };
  emit({
    metric: 'durable_overhead_per_step',
    value: round(median(perStep)),
    unit: 'ms/step',
    context: {
      ...context,
      durable_turn_ms: round(median(durableMs), 1),
      in_process_turn_ms: round(median(inProcessMs), 1),
      // From the last durable turn's history: what the server scheduled, and what ran in the workflow task.
      ...(await activityCounts(ctx, lastWorkflowId)),
      // Where a step's time goes (medians from the server's event timestamps of the last durable
      // turn): waiting for a workflow task, running it (bounded tools run inside it), the model call.
      ...(await stepBreakdown(ctx, lastWorkflowId)),
    },
  });
  emit({ metric: 'durable_turn_ms', value: round(median(durableMs), 1), unit: 'ms', context });
  emit({ metric: 'in_process_turn_ms', value: round(median(inProcessMs), 1), unit: 'ms', context });
}

function expectSteps(mode: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new BenchSanityError(`The ${mode} turn ran ${actual} tool steps instead of ${expected}; check the bench script.`);
  }
}

/** Activities the server scheduled and local activities (markers) in one turn's history. */
async function activityCounts(ctx: PhaseContext, workflowId: string): Promise<{ activities_per_turn: number; local_activities_per_turn: number }> {
  const history = await ctx.stack.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    activities_per_turn: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    local_activities_per_turn: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
  };
}

/** Medians of the last durable turn's workflow-task wait and run and its activities (the model calls). */
async function stepBreakdown(ctx: PhaseContext, workflowId: string): Promise<{ wft_wait_ms: number; wft_run_ms: number; activity_ms: number }> {
  const parts = roundTripBreakdown(await ctx.stack.client.workflow.getHandle(workflowId).fetchHistory());
  return { wft_wait_ms: round(parts.workflowTaskWaitMs, 1), wft_run_ms: round(parts.workflowTaskRunMs, 1), activity_ms: round(parts.activityMs, 1) };
}
