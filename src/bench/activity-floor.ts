// Metric 2: the floor under every durable step — a workflow that only schedules a no-op
// activity K times. (T(K) − T(0)) / K removes the workflow's own start and completion.
import type { PhaseContext } from './phase-context.js';
import { median, round, timed } from './stats.js';

export async function measureActivityFloor(ctx: PhaseContext): Promise<void> {
  const { stack, opts, progress, emit } = ctx;
  const k = opts.activities;
  await stack.withFloorWorker(async (taskQueue) => {
    let n = 0;
    const run = async (activities: number): Promise<number> => {
      const { ms } = await timed(() =>
        stack.client.workflow.execute('benchEmptyActivitiesWorkflow', {
          taskQueue,
          workflowId: `bench-${ctx.runId}-floor-${++n}`,
          args: [activities],
        }),
      );
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
    emit({
      metric: 'empty_activity_round_trip',
      value: round((workflowMs - emptyMs) / k),
      unit: 'ms/activity',
      context: { activities: k, runs: opts.runs, workflow_ms: round(workflowMs, 1), empty_workflow_ms: round(emptyMs, 1) },
    });
  });
}
