import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maxIterationsMessage } from '../../src/core/index.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';
import { applicationFailureOf } from './workflow-failure.js';
import { activitiesOf, activityTypesOf, localActivityTypesOf } from './history.js';

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack();
});
afterEach(() => stack.llm.reset());
afterAll(async () => {
  await stack?.close();
});

describe('AgentTurnWorkflow on a real dev server', () => {
  it('answers the minimal input {sessionId, message}', async () => {
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({ sessionId: 'minimal', message: 'hi' });
      // The scripted model echoes the user's message (possibly after the runtime-context header).
      expect(outcome.finalContent).toMatch(/^\[scripted-llm\] You said: [\s\S]*\bhi$/);
      expect(outcome.iterations).toBe(1);
      expect(outcome.toolsUsed).toEqual([]);
      expect(outcome.stopReason).toBe('completed');
      expect(outcome.usage.inputTokens).toBeGreaterThan(0);
    });
  });

  it('runs a tool call through the activities and records the turn; a bounded tool runs as a local activity', async () => {
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({
        sessionId: 'tools',
        message: "Create a file named notes/hello.txt containing 'durable hello'",
      });
      expect(outcome.toolsUsed).toEqual(['write_file']);
      expect(await readFile(join(stack.workspace, 'notes/hello.txt'), 'utf8')).toBe('durable hello');
      const handle = stack.client.workflow.getHandle(outcome.workflowId);
      const history = await handle.fetchHistory();
      // write_file is declared bounded, and the prompt and the record are tried locally first: the
      // server schedules only the model calls.
      expect(activityTypesOf(history)).toEqual(['llmChat', 'llmChat']);
      expect(localActivityTypesOf(history)).toEqual(['buildPrompt', 'executeTool', 'recordTurn']);
      const log = await readFile(await stack.sessionFile('tools'), 'utf8');
      expect(log).toContain('durable hello');
    });
  });

  it('runs parallel tool calls as concurrent activities', async () => {
    // Each command marks itself, waits, then lists the marks: run concurrently, both see both.
    const command = (mark: string) => `mkdir -p par && touch par/${mark} && sleep 1 && ls par`;
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({
        sessionId: 'parallel',
        message: `run '${command('x')}' and '${command('y')}' in parallel`,
      });
      expect(outcome.toolsUsed).toEqual(['exec', 'exec']);

      const tools = activitiesOf(await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory()).filter(
        (activity) => activity.type === 'executeTool',
      );
      expect(tools).toHaveLength(2);
      const firstClose = Math.min(...tools.map((tool) => tool.closedEventId ?? Infinity));
      for (const tool of tools) expect(tool.scheduledEventId).toBeLessThan(firstClose);

      const toolMessages = (await readFile(await stack.sessionFile('parallel'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { role?: string; content?: unknown })
        .filter((message) => message.role === 'tool');
      expect(toolMessages).toHaveLength(2);
      for (const message of toolMessages) expect(String(message.content)).toMatch(/^x\ny$/m);
    });
  });

  it('stops at maxIterations with stopReason max_iterations and a clear message', async () => {
    stack.llm.setScript([{ name: 'always a tool', reply: { toolCalls: [{ name: 'exec', arguments: { command: 'echo again' } }] } }]);
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({ sessionId: 'max-iterations', message: 'loop forever', maxIterations: 3 });
      expect(outcome.stopReason).toBe('max_iterations');
      expect(outcome.iterations).toBe(3);
      expect(outcome.finalContent).toBe(maxIterationsMessage(3));
      expect(outcome.finalContent).toMatch(/limit of 3 tool-call iterations/);
      const history = await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory();
      // exec is not bounded: a full activity. The prompt and the record ran locally.
      expect(activityTypesOf(history)).toEqual(['llmChat', 'executeTool', 'llmChat', 'executeTool', 'llmChat', 'executeTool']);
      expect(localActivityTypesOf(history)).toEqual(['buildPrompt', 'recordTurn']);
      expect(stack.llm.chatRequests()).toHaveLength(3);
    });
  });

  it('accepts the optional model settings and passes them to the model', async () => {
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({
        sessionId: 'settings',
        message: 'hi with settings',
        maxTokens: 321,
        temperature: 0.25,
        maxIterations: 5,
        channel: 'cli',
        chatId: 'direct',
      });
      expect(outcome.stopReason).toBe('completed');
      const body = stack.llm.chatRequests()[0]?.body as Record<string, unknown>;
      expect(body['temperature']).toBe(0.25);
      expect(body['max_tokens'] ?? body['max_completion_tokens']).toBe(321);
    });
  });

  describe('bad input fails the workflow at once', () => {
    it.each([
      { name: 'no sessionId', input: { message: 'hi' }, mentions: /sessionId/ },
      { name: 'empty sessionId', input: { sessionId: '', message: 'hi' }, mentions: /sessionId: must not be empty/ },
      { name: 'unknown key', input: { sessionId: 's1', message: 'hi', colour: 'blue' }, mentions: /colour/ },
      { name: 'not an object', input: 'hi', mentions: /expected object/ },
    ])('$name', async ({ input, mentions }) => {
      await stack.withAgentWorker(async () => {
        const handle = await stack.startRawTurn(input);
        const cause = await applicationFailureOf(handle);
        expect(cause.type).toBe('InvalidInput');
        expect(cause.message).toMatch(/^Invalid AgentTurnWorkflow input: /);
        expect(cause.message).toMatch(mentions);
        expect(cause.message).toContain('Minimal input: {"sessionId":"s1","message":"hi"}');

        // Failed as a workflow (final), not a workflow-task failure Temporal would retry forever.
        expect((await handle.describe()).status.name).toBe('FAILED');
        const history = await handle.fetchHistory();
        expect(history.events?.some((event) => event.workflowTaskFailedEventAttributes)).toBe(false);
        expect(activityTypesOf(history)).toEqual([]);
        expect(stack.llm.chatRequests()).toHaveLength(0);
      });
    });
  });
});
