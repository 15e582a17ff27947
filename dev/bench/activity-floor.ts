// Metric 2: the floor under every durable step — a workflow that only schedules a no-op
// activity K times. (T(K) − T(0)) / K removes the workflow's own start and completion.
import { roundTripBreakdown } from './event-gaps.js';
import type { PhaseContext } from './phase-context.js';
import { median, round, timed } from './stats.js';

export async function measureActivityFloor(ctx: PhaseContext): Promise<void> {
  const { stack, opts, progress, emit } = ctx;
  const k = opts.activities;
  await stack.withFloorWorker(async (taskQueue) => {
    let n = 0;
    let lastWorkflowId = '';
    const run = async (activities: number): Promise<number> => {
      ctx.signal.throwIfAborted();
      const workflowId = `bench-${ctx.runId}-floor-${++n}`;
      const { ms } = await timed(() =>
        stack.client.workflow.execute('benchEmptyActivitiesWorkflow', { taskQueue, workflowId, args: [activities] }),
      );
      if (activities > 0) lastWorkflowId = workflowId;
      return ms;
    };
    progress(`floor: warm-up, then ${opts.runs} runs of ${k} sequential no-op activities`);
    await run(k);
    const withActivities: number[] = [];
    const empty: number[] = [];
    for (let i = 1; i <= opts.runs; i++) {
      withActivities.push(await run(k));
      empty.push(await run(0));
    }
    const workflowMs = median(withActivities);
    const emptyMs = median(empty);
    const parts = roundTripBreakdown(await stack.client.workflow.getHandle(lastWorkflowId).fetchHistory());
    emit({
      metric: 'empty_activity_round_trip',
      value: round((workflowMs - emptyMs) / k),
      unit: 'ms/activity',
      context: {
        activities: k,
        runs: opts.runs,
        workflow_ms: round(workflowMs, 1),
        empty_workflow_ms: round(emptyMs, 1),
        // Medians from the server's event timestamps of the last run.
        wft_wait_ms: round(parts.workflowTaskWaitMs, 1),
        wft_run_ms: round(parts.workflowTaskRunMs, 1),
        activity_ms: round(parts.activityMs, 1),
        server: stack.temporal.tuning,
      },
    });
  });
}
