import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateDataConverter } from '../../src/storage/state-storage-driver.js';
import type { TurnWorkflowResult } from '../../src/contract/index.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { historyJson } from '../durable/history.js';
import { getTestEnv } from '../helpers/temporal.js';

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack();
});
afterAll(async () => {
  await stack?.close();
});

// The SDK encodes reference payloads with @temporalio/common's protobufjs and the types of
// @temporalio/proto's; with two copies installed it throws "type must be a Type". package.json
// pins protobufjs so npm shares one copy; this test fails loudly if that ever regresses.
const requireHere = createRequire(import.meta.url);
const protobufjsOf = (pkg: string) => createRequire(requireHere.resolve(pkg)).resolve('protobufjs');
const sharedProtobufjs = protobufjsOf('@temporalio/common') === protobufjsOf('@temporalio/proto');

const REFERENCE_TYPE = 'temporal.api.sdk.v1.ExternalStorageReference';

/** Every Temporal Payload in a (raw, un-decoded) history, found by shape. */
function payloadsIn(value: unknown, found: { metadata: Record<string, Uint8Array>; data: Uint8Array }[] = []) {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const candidate = value as { metadata?: unknown; data?: unknown };
  if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
    found.push(candidate as { metadata: Record<string, Uint8Array>; data: Uint8Array });
    return found;
  }
  for (const child of Object.values(value)) payloadsIn(child, found);
  return found;
}

describe('large payloads leave history for the workspace volume', () => {
  it('shares one protobufjs between @temporalio/common and @temporalio/proto', () => {
    expect(sharedProtobufjs).toBe(true);
  });

  it('runs a turn with a 400 KB message while history only carries claims', async () => {
    const env = await getTestEnv();
    const dataConverter = stateDataConverter(stack.stateDir);
    const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
    const message = `please echo this: ${'lorem ipsum dolor sit amet '.repeat(15_000)}end-of-message`;
    expect(message.length).toBeGreaterThan(400_000);

    await stack.withAgentWorker(
      async () => {
        const handle = await client.workflow.start('AgentTurnWorkflow', {
          taskQueue: stack.taskQueue,
          workflowId: `extstore-${Date.now()}`,
          args: [{ sessionId: 'extstore', message }],
        });
        const result = (await handle.result()) as TurnWorkflowResult;
        expect(result.stopReason).toBe('completed');
        expect(result.finalContent).toContain('You said:');
        expect(result.finalContent).toContain('end-of-message');
        expect(result.finalContent.length).toBeGreaterThan(400_000);

        // fetchHistory returns the raw history: references are not resolved.
        const history = await handle.fetchHistory();
        const payloads = payloadsIn(history);
        const largest = Math.max(...payloads.map((payload) => payload.data.length));
        expect(largest).toBeLessThan(10_000);
        const references = payloads.filter(
          (payload) => Buffer.from(payload.metadata['messageType'] ?? []).toString() === REFERENCE_TYPE,
        );
        // At least the workflow input and the workflow result.
        expect(references.length).toBeGreaterThanOrEqual(2);
        expect(historyJson(history).length).toBeLessThan(200_000);
      },
      { dataConverter },
    );

    const files = await readdir(join(stack.stateDir, 'payloads'));
    expect(files.filter((name) => /^[0-9a-f]{64}\.bin$/.test(name)).length).toBeGreaterThanOrEqual(2);
  });
});
