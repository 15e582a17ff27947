// The dynamic config every dev server we start gets unless asked for the stock one.
// Keys checked against the Temporal server's common/dynamicconfig/constants.go (server 1.32,
// the one CLI 1.9.1 embeds); see docs/benchmark.md for the before/after figures.
//
// The dev server runs ONE history shard. Its transfer queue (which hands workflow and activity
// tasks to matching) is read at most `transferProcessorMaxPollRPS` times a second per shard,
// default 20: a task written just after a read waits up to 50 ms, whatever the load. Raised, the
// queue is read as soon as a task is written. The timer queue (workflow timers, activity
// timeouts, retries with backoff) has the same limit; the visibility queue feeds list/describe.

/** Server-side knobs that make the single-shard dev server hand out tasks without a fixed delay. */
export const TUNED_DEV_SERVER_DYNAMIC_CONFIG: readonly string[] = [
  'history.transferProcessorMaxPollRPS=1000',
  'history.timerProcessorMaxPollRPS=1000',
  'history.visibilityProcessorMaxPollRPS=1000',
  // Lets a worker that completes a workflow task get the activities it scheduled back in the
  // same response when it has free activity slots: one fewer matching round trip per activity.
  'system.enableActivityEagerExecution=true',
];

export type DevServerTuning = 'tuned' | 'stock';

/** `EXOCLAW_DEV_SERVER_TUNING=stock` starts the dev server with Temporal's defaults (for comparisons). */
export function devServerTuningFromEnv(env: NodeJS.ProcessEnv = process.env): DevServerTuning {
  const value = env['EXOCLAW_DEV_SERVER_TUNING'];
  if (value === undefined || value === '' || value === 'tuned') return 'tuned';
  if (value === 'stock') return 'stock';
  throw new Error(`EXOCLAW_DEV_SERVER_TUNING is "${value}"; use "tuned" (the default) or "stock" (Temporal's own defaults).`);
}
