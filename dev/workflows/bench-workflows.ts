// Benchmark-only workflow: the floor under every durable step. It schedules a no-op activity
// K times in a row, so its duration per activity is the cost of one scheduled activity round
// trip (workflow task → activity task → result → workflow task) and nothing else.
import { proxyActivities } from '@temporalio/workflow';

/** Implemented by the benchmark's worker (dev/bench/bench-activities.ts). */
export interface BenchActivities {
  benchNoop(): Promise<void>;
}

const { benchNoop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '30 seconds' });

export async function benchEmptyActivitiesWorkflow(k: number): Promise<number> {
  for (let i = 0; i < k; i++) await benchNoop();
  return k;
}
