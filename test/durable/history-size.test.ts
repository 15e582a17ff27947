// "History carries references, not transcripts": the same multi-step turn costs the same
// history bytes per loop step whether the session holds 10 KB or 1 MB of prior conversation.
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileConversation } from '../../src/conversation/index.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';
import { measureHistory, type HistoryMetrics } from './history.js';

const TOOL_STEPS = 6;
const PAYLOAD_LIMIT = 256 * 1024;

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack();
  // The model calls exec until it has TOOL_STEPS results, then answers. Only requests that offer
  // exec match, so background memory consolidation still gets the default save_memory rule.
  stack.llm.setScript({
    useDefaults: true,
    rules: [
      { name: 'enough steps', when: { toolAvailable: 'exec', minToolResults: TOOL_STEPS }, reply: { text: 'All steps done.' } },
      {
        name: 'next step',
        when: { toolAvailable: 'exec' },
        reply: { toolCalls: [{ name: 'exec', arguments: { command: 'echo step {{requestNumber}}' } }] },
      },
    ],
  });
});
afterAll(async () => {
  await stack?.close();
});

/** Writes prior turns to a session through the real store until it holds about `bytes`. */
async function seedSession(sessionId: string, bytes: number, messageChars: number): Promise<number> {
  const store = new FileConversation({ workspace: stack.workspace, stateDir: stack.stateDir });
  const filler = (turn: number, who: string) =>
    `${who} turn ${turn}: ${'lorem ipsum dolor sit amet '.repeat(Math.ceil(messageChars / 27))}`.slice(0, messageChars);
  for (let turn = 0; ; turn++) {
    await store.record(sessionId, `seed-${sessionId}-${turn}`, [
      { role: 'user', content: filler(turn, 'user') },
      { role: 'assistant', content: filler(turn, 'assistant') },
    ]);
    const size = (await stat(await stack.sessionFile(sessionId))).size;
    if (size >= bytes) return size;
  }
}

async function runMultiStepTurn(sessionId: string): Promise<{ metrics: HistoryMetrics; promptChars: number }> {
  const before = stack.llm.chatRequests().length;
  const outcome = await stack.exoclaw.runTurn({ sessionId, message: `work through the steps (${sessionId})` });
  expect(outcome.finalContent).toBe('All steps done.');
  expect(outcome.iterations).toBe(TOOL_STEPS + 1);
  const requests = stack.llm.chatRequests().slice(before);
  const history = await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory();
  return {
    metrics: measureHistory(history),
    promptChars: Math.max(...requests.map((request) => JSON.stringify(request.body).length)),
  };
}

describe('history size as the transcript grows', () => {
  it('stays flat per loop step from a 10 KB to a 1 MB session, with no payload over 256 KB', async () => {
    const smallBytes = await seedSession('small-history', 10_000, 500);
    const largeBytes = await seedSession('large-history', 1_000_000, 5_000);

    const { small, large } = await stack.withAgentWorker(async () => ({
      small: await runMultiStepTurn('small-history'),
      large: await runMultiStepTurn('large-history'),
    }));

    console.info(
      `[history-size] session ${smallBytes} B: ${small.metrics.payloadBytesPerStep} payload B/step ` +
        `(${small.metrics.payloadBytes} B payloads, ${small.metrics.jsonBytes} B JSON, ${small.metrics.steps} steps, ` +
        `largest payload ${small.metrics.largestPayloadBytes} B, prompt ${small.promptChars} chars); ` +
        `session ${largeBytes} B: ${large.metrics.payloadBytesPerStep} payload B/step ` +
        `(${large.metrics.payloadBytes} B payloads, ${large.metrics.jsonBytes} B JSON, ${large.metrics.steps} steps, ` +
        `largest payload ${large.metrics.largestPayloadBytes} B, prompt ${large.promptChars} chars)`,
    );

    // The large session really reached the model (so a transcript in history would show).
    expect(large.promptChars).toBeGreaterThan(20 * small.promptChars);
    expect(large.metrics.steps).toBe(TOOL_STEPS + 1);
    expect(small.metrics.steps).toBe(TOOL_STEPS + 1);
    expect(large.metrics.activities).toEqual(small.metrics.activities);

    expect(large.metrics.payloadBytesPerStep).toBeLessThan(1.5 * small.metrics.payloadBytesPerStep);
    expect(large.metrics.jsonBytes).toBeLessThan(1.5 * small.metrics.jsonBytes);
    expect(small.metrics.largestPayloadBytes).toBeLessThan(PAYLOAD_LIMIT);
    expect(large.metrics.largestPayloadBytes).toBeLessThan(PAYLOAD_LIMIT);
  });
});
