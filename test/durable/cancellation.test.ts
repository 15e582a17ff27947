// Cancelling a turn reaches the running tool: the activity is cancelled, the exec child's
// process group is killed, and the session is free for the next turn at once.
import { randomInt } from 'node:crypto';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDurableStack, type DurableStack } from './durable-stack.js';
import { waitUntil, within } from '../support/wait.js';
import { activitiesOf, stepsOf } from './history.js';
import { livePidsMatching } from './processes.js';

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('cancelling a turn', () => {
  it('cancels the running tool, kills its process and frees the session', async () => {
    const sessionId = 'cancel-me';
    // A duration no other process on the machine has, so /proc can find exactly this child.
    const duration = `600.${randomInt(1000, 9999)}${randomInt(1000, 9999)}`;
    await stack.withAgentWorker(async () => {
      const handle = await stack.exoclaw.startTurn({
        sessionId,
        message: `Wait with 'sleep ${duration}'`,
        // Heartbeats carry cancellation; a short timeout means a short heartbeat throttle.
        activityOptions: { executeTool: { heartbeatTimeout: '2s' } },
      });
      await waitUntil('the sleep to start', () => livePidsMatching(`sleep ${duration}`).length > 0, { timeoutMs: 20_000 });

      const cancelledAt = Date.now();
      await handle.cancel();
      const error = await within(
        handle.result().then(
          () => undefined,
          (e: unknown) => e,
        ),
        'the cancelled workflow to end',
        { timeoutMs: 10_000 },
      );
      console.info(`[cancellation] cancel → workflow cancelled in ${Date.now() - cancelledAt} ms`);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');

      // The turn ended only after its tool had stopped: the child is already gone (its process
      // group was killed, not just the shell).
      expect(livePidsMatching(`sleep ${duration}`)).toEqual([]);

      // History: the tool activity was cancelled (confirmed by the worker), then the session freed.
      const activities = activitiesOf(await handle.fetchHistory());
      const tool = activities.find((activity) => activity.type === 'executeTool');
      const release = activities.find((activity) => activity.type === 'releaseSession');
      expect(tool?.outcome).toBe('canceled');
      expect(release?.outcome).toBe('completed');
      expect(release!.scheduledEventId).toBeGreaterThan(tool!.closedEventId!);
      expect(await stack.deps.leases.holder(sessionId)).toBeUndefined();

      // The next turn on the session gets it at the first try.
      const next = await stack.exoclaw.runTurn({ sessionId, message: 'are you still there?' });
      expect(next.stopReason).toBe('completed');
      const prompts = stepsOf(await stack.client.workflow.getHandle(next.workflowId).fetchHistory()).filter(
        (activity) => activity.type === 'buildPrompt',
      );
      expect(prompts.map(({ attempt, outcome }) => ({ attempt, outcome }))).toEqual([{ attempt: 1, outcome: 'completed' }]);
    });
  });
});
