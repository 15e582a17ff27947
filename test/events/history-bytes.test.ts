// Tokens never reach Temporal history: the same turn, once streamed to the session event stream
// (hundreds of deltas) and once with no stream at all, costs the same history bytes (within 1 %).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { workerTelemetryOptions } from '../../src/telemetry/worker-telemetry.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { measureHistory } from '../durable/history.js';

const LONG_ANSWER = 'A long streamed answer, token after token. '.repeat(60).trim();

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack();
  stack.llm.setScript({
    useDefaults: true,
    rules: [
      { name: 'answer', when: { lastUserMatches: 'measure', hasToolResult: true }, reply: { text: LONG_ANSWER }, stream: { pieces: 300, pauseMs: 2 } },
      { name: 'tool', when: { lastUserMatches: 'measure' }, reply: { toolCalls: [{ name: 'exec', arguments: { command: 'echo measured' } }] } },
    ],
  });
});
afterAll(async () => {
  await stack?.close();
});

async function turnHistoryBytes(streamed: boolean): Promise<{ jsonBytes: number; payloadBytes: number; deltas: number }> {
  const sessionId = `history-bytes-${randomUUID()}`; // the same length both times
  const events = streamed ? stack.deps.events : undefined;
  const activities = createActivities({ ...stack.deps, events });
  const sinks = workerTelemetryOptions(undefined, { events }).sinks;
  const outcome = await stack.withAgentWorker(() => stack.exoclaw.runTurn({ sessionId, message: 'measure the history' }, { workflowId: `hb-${sessionId}` }), {
    activities,
    sinks,
  });
  expect(outcome.finalContent).toBe(LONG_ANSWER);
  const metrics = measureHistory(await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory());
  const deltas = (await stack.deps.events!.store.read(sessionId)).filter((event) => event.type === 'delta').length;
  return { jsonBytes: metrics.jsonBytes, payloadBytes: metrics.payloadBytes, deltas };
}

it('a streamed turn costs the same history bytes as one with no event stream (within 1 %)', async () => {
  const plain = await turnHistoryBytes(false);
  const streamed = await turnHistoryBytes(true);
  console.log(
    `history bytes: streamed ${streamed.jsonBytes} (${streamed.deltas} delta events), not streamed ${plain.jsonBytes}; ` +
      `payload bytes ${streamed.payloadBytes} vs ${plain.payloadBytes}`,
  );
  expect(plain.deltas).toBe(0);
  expect(streamed.deltas).toBeGreaterThan(10);
  expect(Math.abs(streamed.jsonBytes - plain.jsonBytes) / plain.jsonBytes).toBeLessThan(0.01);
}, 120_000);
