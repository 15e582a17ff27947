// examples/session-based.ts against the real stack: the turn-based checks, through one session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSessionBasedExample } from '../../examples/session-based.js';
import { startSessionStack, type SessionStack } from './session-stack.js';

let stack: SessionStack;

beforeAll(async () => {
  stack = await startSessionStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('examples/session-based.ts', () => {
  it('passes all three checks, answered by one session workflow run', async () => {
    await stack.withAgentWorker(async () => {
      const lines: string[] = [];
      const result = await runSessionBasedExample({
        sessions: stack.sessions(),
        workspace: stack.workspace,
        runToken: 'test',
        log: (line) => lines.push(line),
      });
      expect(result.checks.map((c) => [c.name, c.ok, c.ok ? '' : c.detail])).toEqual([
        ['plain LLM answer (no tools)', true, ''],
        ['tool call writes a file in the workspace', true, ''],
        ['memory persists across messages of the session', true, ''],
      ]);
      const runs = new Set(result.checks.flatMap((c) => c.workflows.map((w) => `${w.workflowId}/${w.runId}`)));
      expect([...runs]).toEqual([`session-session-based-test/${result.checks[0]!.workflows[0]!.runId}`]);
      expect(lines.join('\n')).toContain('(tools: write_file)');
    });
  });
});
