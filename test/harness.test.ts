// Proves the harness end to end: shared dev server, pre-built bundle, real worker, real activity.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SmokeActivities, smokeWorkflow } from '../dev/workflows/smoke-workflow.js';
import { getTestEnv, withWorker } from './helpers/temporal.js';

describe('test harness', () => {
  it('runs a workflow that calls an activity on the shared dev server', async () => {
    const { client } = await getTestEnv();
    const activities: SmokeActivities = { greet: async (name) => `Hello, ${name}!` };

    await withWorker({ activities }, async ({ taskQueue }) => {
      const handle = await client.workflow.start<typeof smokeWorkflow>('smokeWorkflow', {
        taskQueue,
        workflowId: `smoke-${randomUUID()}`,
        args: ['Ada'],
      });
      expect(await handle.result()).toBe('Hello, Ada!');

      const { events } = await handle.fetchHistory();
      const completed = (events ?? []).filter((e) => e.activityTaskCompletedEventAttributes);
      expect(completed).toHaveLength(1);
    });
  });
});
