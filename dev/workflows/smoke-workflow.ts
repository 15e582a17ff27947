// The test harness's proof of life: one workflow, one activity, nothing else.
// Kept deliberately trivial so a failure here means the harness is broken, not the agent.
import { proxyActivities } from '@temporalio/workflow';

/** Activities the smoke workflow needs; tests implement `greet` themselves. */
export interface SmokeActivities {
  greet(name: string): Promise<string>;
}

const { greet } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '30 seconds' });

export async function smokeWorkflow(name: string): Promise<string> {
  return greet(name);
}
