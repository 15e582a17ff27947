// examples/custom-tool.ts as real worker processes: a tool of the library user's, offered to the
// model and run in a durable turn; the worker running it is SIGKILLed mid-call, the call finishes
// on the other worker and the tool's side effect (an order in the ledger) happens once.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityTracker } from '../../dev/bounce/activity-tracker.js';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import { readOrders } from '../../examples/custom-tool.js';
import { packageRoot } from '../../src/package-root.js';
import { waitUntil } from '../support/wait.js';
import { ensureWorkers, expectRecordedOnce, isolatedWorkerEnv, result, resumedElsewhere, running, startSharedRig, waitForActivity } from '../faults/fault-helpers.js';

const WORKERS = ['shop-a', 'shop-b'];
let rig: DurabilityRig;

beforeAll(async () => {
  rig = await startSharedRig({
    workerEntry: ['--import', 'tsx', join(packageRoot(), 'examples', 'custom-tool.ts')],
    // The supplier takes 6 s to confirm: the window in which the worker is killed.
    workerEnv: { ...isolatedWorkerEnv(), EXAMPLE_ORDER_CONFIRM_MS: '6000' },
  });
  rig.llm?.setScript({
    rules: [
      {
        name: 'order → place_order',
        when: { lastUserMatches: '^Order (\\d+) (\\w+)', hasToolResult: false, toolAvailable: 'place_order' },
        reply: { toolCalls: [{ name: 'place_order', arguments: { item: '{{match.2}}', quantity: '{{match.1}}' } }] },
      },
      { name: 'confirm', when: { lastToolName: 'place_order' }, reply: { text: 'Done: {{lastToolResult}}' } },
    ],
    useDefaults: true,
  });
}, 180_000);

afterAll(async () => {
  await rig?.close();
}, 60_000);

describe('examples/custom-tool.ts: a custom tool in a durable turn', () => {
  it('is offered to the model, runs in executeTool, survives a SIGKILL mid-call and places the order once', async () => {
    await ensureWorkers(rig, WORKERS);
    const ledger = join(rig.workspace, 'orders.jsonl');
    const sessionId = `shop-${Date.now()}`;
    const message = 'Order 3 apples';
    const handle = await rig.startTurn(
      { sessionId, message, activityOptions: { executeTool: { heartbeatTimeout: '4s' } } },
      sessionId,
    );
    const tracker = new ActivityTracker(handle);
    const victim = await waitForActivity(tracker, 'place_order to start', () => running(tracker, 'executeTool'), 60_000);
    // The order is in the ledger and the tool is waiting for the supplier: kill its worker now.
    await waitUntil('the order to be written', async () => (await readOrders(ledger)).length === 1, { timeoutMs: 15_000 });
    const exit = await rig.fleet.kill(victim.identity, 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');

    await waitForActivity(tracker, 'place_order to resume on the other worker', () => resumedElsewhere(victim.activity, victim.identity), 60_000);
    const outcome = await result(handle, 90_000);
    expect(outcome.toolsUsed).toEqual(['place_order']);
    expect(outcome.finalContent).toMatch(/^Done: Order placed: 3 × apples/);

    const orders = await readOrders(ledger);
    expect(orders).toHaveLength(1); // the retried attempt found its key: no second order
    expect(orders[0]).toMatchObject({ item: 'apples', quantity: 3 });
    expectRecordedOnce(rig.stateDir, sessionId, message);
  }, 180_000);
});
