// The daily token budget across real worker processes: worker A spends it, is SIGKILLed, and
// worker B, started afterwards on the same state root, refuses the next turn without calling
// the model. The counter lives in the state root, so it outlives workers and is shared by all.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import { result, startSharedRig } from '../faults/fault-helpers.js';

let rig: DurabilityRig;

beforeAll(async () => {
  const configFile = join(mkdtempSync(join(tmpdir(), 'exoclaw-daily-budget-')), 'config.json');
  // Any one model call spends it.
  writeFileSync(configFile, JSON.stringify({ agents: { defaults: { dailyBudget: { enabled: true, dailyBudget: 1, enforcement: 'cutoff' } } } }));
  rig = await startSharedRig({ workerArgs: ['--config', configFile] });
}, 120_000);

afterAll(async () => {
  await rig?.close();
}, 60_000);

const requestsFor = (text: string): number =>
  rig.llm?.chatRequests().filter((request) => JSON.stringify(request.body).includes(text)).length ?? 0;

describe('daily token budget', () => {
  it('is counted by one worker, survives its SIGKILL and stops the next turn on another worker', async () => {
    await rig.fleet.start('budget-a');
    const first = await result(await rig.startTurn({ sessionId: `daily-1-${Date.now()}`, message: 'first of the day' }), 60_000);
    expect(first.finalContent).toMatch(/first of the day$/);
    const day = new Date().toISOString().slice(0, 10);
    const counterFile = join(rig.stateDir, 'budgets', 'daily', `${day}.json`);
    const spent = first.usage.inputTokens + first.usage.outputTokens;
    expect((JSON.parse(readFileSync(counterFile, 'utf8')) as { tokens: number }).tokens).toBe(spent);

    expect((await rig.fleet.kill('budget-a', 'SIGKILL')).signal).toBe('SIGKILL');
    await rig.fleet.start('budget-b');
    const second = await result(await rig.startTurn({ sessionId: `daily-2-${Date.now()}`, message: 'second of the day' }), 60_000);
    expect(second.finalContent).toBe(
      `Today's token budget is spent (${spent.toLocaleString('en-US')} of 1 tokens), so I cannot answer now. ` +
        "It resets at 00:00 UTC; ask the operator to raise agents.defaults.dailyBudget.dailyBudget if this cannot wait.",
    );
    expect(requestsFor('second of the day')).toBe(0);
    expect((JSON.parse(readFileSync(counterFile, 'utf8')) as { tokens: number }).tokens).toBe(spent);
  }, 150_000);
});
