// One writer per session: a second turn for a busy session waits (buildPrompt retries on
// SessionBusy) until the first is recorded, then sees it; the JSONL never interleaves.
import { readFile } from 'node:fs/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionLeases } from '../../src/storage/index.js';
import type { TurnStatus, TurnWorkflowResult } from '../../src/contract/index.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';
import { waitUntil } from '../support/wait.js';
import { stepsOf } from './history.js';

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Turn A (a slow tool) holds the session; turn B for the same session starts meanwhile. */
async function runOverlappingTurns(sessionId: string, slowCommand: string) {
  const a = await stack.exoclaw.startTurn({ sessionId, message: `run the command '${slowCommand} && echo first-turn-output'` });
  // A is inside its tool call (holding the session) before B starts.
  await waitUntil('turn A to run its tool', async () => (await a.query<TurnStatus>('status')).phase === 'tools');
  const b = await stack.exoclaw.startTurn({ sessionId, message: "run the command 'echo second-turn-output'" });
  const [resultA, resultB] = (await Promise.all([a.result(), b.result()])) as [TurnWorkflowResult, TurnWorkflowResult];
  return { a, b, resultA, resultB };
}

/**
 * B's prompt was built only after A was recorded: B's local try found the session busy, and the
 * activity it fell back to was turned away at least once more before it got the session.
 */
async function expectBWaitedForA(a: WorkflowHandle, b: WorkflowHandle): Promise<void> {
  const recordA = stepsOf(await a.fetchHistory()).filter((activity) => activity.type === 'recordTurn');
  const promptB = stepsOf(await b.fetchHistory()).filter((activity) => activity.type === 'buildPrompt');
  expect(recordA.map(({ local, outcome }) => ({ local, outcome }))).toEqual([{ local: true, outcome: 'completed' }]);
  expect(promptB.map(({ local, outcome }) => ({ local, outcome }))).toEqual([
    { local: true, outcome: 'failed' },
    { local: undefined, outcome: 'completed' },
  ]);
  expect(promptB[0]!.failure).toMatch(/is busy with turn/);
  expect(promptB[1]!.closedAt!).toBeGreaterThanOrEqual(recordA[0]!.closedAt!);
  expect(promptB[1]!.attempt!).toBeGreaterThan(1);
}

/** The session log holds all of A's messages, then all of B's. */
async function expectNoInterleaving(sessionId: string, turnA: string, turnB: string): Promise<void> {
  const lines = (await readFile(await stack.sessionFile(sessionId), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { _type?: string; turnId?: string });
  const turnOrder = lines.filter((line) => line._type !== 'header').map((line) => line.turnId);
  expect(turnOrder).toEqual([...Array<string>(4).fill(turnA), ...Array<string>(4).fill(turnB)]);
}

describe('turns for the same session', () => {
  it('never interleave: the second waits for the first and sees its output', async () => {
    const sessionId = 'shared-session';
    await stack.withAgentWorker(async () => {
      const { a, b, resultA, resultB } = await runOverlappingTurns(sessionId, 'sleep 2');
      expect(resultA.finalContent).toContain('first-turn-output');
      expect(resultB.finalContent).toContain('second-turn-output');
      await expectBWaitedForA(a, b);

      // B's first model call already carried A's turn.
      const firstCallOfB = stack.llm
        .chatRequests()
        .find((request) => JSON.stringify(request.body).includes('echo second-turn-output'));
      expect(JSON.stringify(firstCallOfB?.body)).toContain('first-turn-output');

      await expectNoInterleaving(sessionId, resultA.turnId, resultB.turnId);
    });
  });

  it('stay serialised when a tool runs longer than the session lease lives', async () => {
    const sessionId = 'long-tool-session';
    const realLeases = stack.deps.leases;
    // A 2.5 s lease: A's 5 s tool outlives it unless the running activity keeps renewing it.
    stack.deps.leases = new SessionLeases(stack.workspace, 2_500);
    try {
      await stack.withAgentWorker(async () => {
        const { a, b, resultA, resultB } = await runOverlappingTurns(sessionId, 'sleep 5');
        await expectBWaitedForA(a, b);
        await expectNoInterleaving(sessionId, resultA.turnId, resultB.turnId);
      });
    } finally {
      stack.deps.leases = realLeases;
    }
  });
});
