// `exoclaw-temporal usage` as a real process over session logs written by real durable turns
// (in-process worker, scripted LLM over HTTP), plus a log from before usage was recorded.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { cliEnv, runCli } from './cli-process.js';

let stack: DurableStack;
const today = new Date().toISOString().slice(0, 10);

interface UsageJson {
  stateDir: string;
  since: string | null;
  rows: Array<{ session: string; model: string; day: string; turns: number; modelCalls: number; inputTokens: number; outputTokens: number }>;
  totals: { sessions: number; turns: number; modelCalls: number; inputTokens: number; outputTokens: number };
  unrecordedCalls: number;
}

beforeAll(async () => {
  stack = await startDurableStack();
  await stack.withAgentWorker(async () => {
    await stack.exoclaw.runTurn({ sessionId: 'usage-a', message: 'My name is Ada' });
    await stack.exoclaw.runTurn({ sessionId: 'usage-a', message: 'What is my name?' });
    // A tool call: two model calls in one turn.
    await stack.exoclaw.runTurn({ sessionId: 'usage-b', message: "Run the command 'echo hi'" });
  });
  // A log written before usage was recorded: its assistant message has neither usage nor model.
  const old = [
    { _type: 'header', key: 'usage-old', createdAt: '2024-01-02T10:00:00.000Z', updatedAt: '2024-01-02T10:00:00.000Z', metadata: {} },
    { role: 'user', content: 'hello', timestamp: '2024-01-02T10:00:00.000Z', turnId: 't-old' },
    { role: 'assistant', content: 'hi', timestamp: '2024-01-02T10:00:00.000Z', turnId: 't-old' },
  ];
  await mkdir(join(stack.stateDir, 'sessions'), { recursive: true });
  await writeFile(join(stack.stateDir, 'sessions', 'usage-old.jsonl'), old.map((line) => JSON.stringify(line)).join('\n') + '\n');
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

async function usage(args: string[]): Promise<UsageJson> {
  const result = await runCli(['usage', '--state-dir', stack.stateDir, '--json', ...args], cliEnv(stack.workspace));
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as UsageJson;
}

describe('exoclaw-temporal usage', () => {
  it('records the model and tokens on each assistant message of the session log', async () => {
    const lines = (await readFile(await stack.sessionFile('usage-a'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const assistants = lines.filter((line) => line['role'] === 'assistant');
    expect(assistants).toHaveLength(2);
    for (const message of assistants) {
      expect(message['model']).toBe('scripted/scripted-llm');
      expect(message['usage']).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
      expect((message['usage'] as { inputTokens: number }).inputTokens).toBeGreaterThan(0);
    }
  });

  it('sums turns, model calls and tokens per session, model and day, old logs included', async () => {
    const report = await usage([]);
    expect(report.stateDir).toBe(stack.stateDir);
    expect(report.since).toBeNull();
    const byKey = Object.fromEntries(report.rows.map((row) => [`${row.session} ${row.model} ${row.day}`, row]));
    expect(byKey[`usage-a scripted/scripted-llm ${today}`]).toMatchObject({ turns: 2, modelCalls: 2 });
    expect(byKey[`usage-b scripted/scripted-llm ${today}`]).toMatchObject({ turns: 1, modelCalls: 2 });
    expect(byKey['usage-old (not recorded) 2024-01-02']).toEqual({
      session: 'usage-old',
      model: '(not recorded)',
      day: '2024-01-02',
      turns: 1,
      modelCalls: 1,
      inputTokens: 0,
      outputTokens: 0,
    });
    expect(report.unrecordedCalls).toBe(1);
    const a = byKey[`usage-a scripted/scripted-llm ${today}`]!;
    expect(a.inputTokens).toBeGreaterThan(0);
    expect(a.outputTokens).toBeGreaterThan(0);
    // The totals are the rows added up.
    expect(report.totals).toEqual({
      sessions: 3,
      turns: 4,
      modelCalls: 5,
      inputTokens: report.rows.reduce((sum, row) => sum + row.inputTokens, 0),
      outputTokens: report.rows.reduce((sum, row) => sum + row.outputTokens, 0),
    });
  });

  it('narrows to one session and to a recent window', async () => {
    const one = await usage(['--session', 'usage-b']);
    expect(one.rows.map((row) => row.session)).toEqual(['usage-b']);
    const recent = await usage(['--since', '7d']);
    expect(recent.since).not.toBeNull();
    expect(recent.rows.map((row) => row.session).sort()).toEqual(['usage-a', 'usage-b']);
    expect(recent.unrecordedCalls).toBe(0);
  });

  it('prints a table for people, and refuses a malformed --since (exit 2)', async () => {
    const table = await runCli(['usage', '--state-dir', stack.stateDir], cliEnv(stack.workspace));
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`Usage, from ${stack.stateDir}:`);
    expect(table.stdout).toMatch(/^ {2}SESSION\s+MODEL\s+DAY\s+TURNS\s+CALLS\s+INPUT TOKENS\s+OUTPUT TOKENS$/m);
    expect(table.stdout).toMatch(new RegExp(`^ {2}usage-a\\s+scripted/scripted-llm\\s+${today}\\s+2\\s+2\\s+[\\d,]+\\s+[\\d,]+$`, 'm'));
    expect(table.stdout).toContain('Total: 3 session(s), 4 turn(s), 5 model call(s)');
    expect(table.stdout).toContain('1 model call(s) from logs written before usage was recorded');

    const bad = await runCli(['usage', '--state-dir', stack.stateDir, '--since', 'lately'], cliEnv(stack.workspace));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since needs a duration such as 24h, 7d or 4w, got "lately"');
    expect(bad.stderr).toContain('Usage: exoclaw-temporal usage');
  }, 30_000);

  it('says plainly when a state root has no session logs', async () => {
    const empty = join(stack.workspace, '..', 'empty-state');
    const result = await runCli(['usage', '--state-dir', empty], cliEnv(stack.workspace));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no session logs here');
  }, 30_000);
});
