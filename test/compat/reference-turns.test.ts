// The Python reference's own turn inputs (its bounce demo, its example client, its README), sent
// as its clients send them, run to completion on a real worker against the scripted model.
import { randomUUID } from 'node:crypto';
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TurnWorkflowResult } from '../../src/contract/index.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { activitiesOf } from '../durable/history.js';
import { applicationFailureOf } from '../durable/workflow-failure.js';
import { referenceFixture } from './reference-fixtures.js';

const turns = referenceFixture<Record<string, Record<string, unknown>>>('reference-turn-example.json');
const bounce = referenceFixture<Record<string, unknown>>('reference-bounce-demo-turn.json');
const readme = referenceFixture<Record<string, unknown>>('reference-readme-sandbox-turn.json');

let stack: DurableStack;
const startedAt = Date.now();

beforeAll(async () => {
  // The reference names its model `anthropic/…`: the operator's anthropic provider here is the
  // scripted server speaking the Anthropic Messages API.
  stack = await startDurableStack({ providers: (url) => ({ anthropic: { apiKey: 'test-anthropic-key', apiBase: url } }) });
});
afterEach(() => stack.llm.reset());
afterAll(async () => {
  await stack?.close();
});

async function runReferenceTurn(input: unknown, id = `reference-${randomUUID()}`): Promise<TurnWorkflowResult> {
  return (await stack.startRawTurn(input, id)).result() as Promise<TurnWorkflowResult>;
}

describe('the reference’s turn inputs on this worker', () => {
  it('runs the bounce demo’s input: the slow command runs and the result speaks both spellings', async () => {
    await stack.withAgentWorker(async () => {
      const result = await runReferenceTurn(bounce);
      expect(result.tools_used).toEqual(['exec']);
      expect(result.final_content).toMatch(/task complete/);
      expect(result.finalContent).toBe(result.final_content);
      expect(result.toolsUsed).toEqual(result.tools_used);
      expect(result.stopReason).toBe('completed');
    });
  }, 90_000);

  it('runs the example client’s four turns: plain answer, a file written, history remembered', async () => {
    await stack.withAgentWorker(async () => {
      const suffix = randomUUID().slice(0, 8);
      const results: Record<string, TurnWorkflowResult> = {};
      for (const [workflowId, input] of Object.entries(turns)) {
        results[workflowId] = await runReferenceTurn(input, `${workflowId}-${suffix}`);
      }
      expect(results['example-turn-1a']!.final_content).toContain('Say hello in exactly 5 words.');

      expect(results['example-turn-2a']!.tools_used).toEqual(['write_file']);
      // The worker's workspace, never the path the input named.
      expect(await readFile(join(stack.workspace, 'greeting.txt'), 'utf8')).toBe('Hello from Temporal!');
      const named = await stat('/tmp/exoclaw-temporal-example/greeting.txt').catch(() => undefined);
      expect(named === undefined || named.mtimeMs < startedAt, 'a file appeared where the input pointed').toBe(true);

      // The reference example's own assertion: the second turn of a session knows the first.
      expect(results['example-turn-3b']!.final_content).toContain('42');

      // The model was offered the tools the client's tool_definitions_json named, and only those.
      for (const request of stack.llm.chatRequests()) {
        const tools = ((request.body as { tools?: { name: string }[] }).tools ?? []).map((tool) => tool.name).sort();
        expect(tools).toEqual(['list_dir', 'read_file', 'write_file']);
      }
      // Its model and max_tokens were honoured (this Anthropic SDK sends no temperature).
      const body = stack.llm.chatRequests()[0]!.body as { model: string; max_tokens: number };
      expect(body).toMatchObject({ model: 'claude-haiku-4-5-20251001', max_tokens: 8192 });
    });
  });

  it('runs the README’s sandbox workspace input (path and sandbox_exec ignored: exec is the worker’s)', async () => {
    await stack.withAgentWorker(async () => {
      const result = await runReferenceTurn(readme);
      expect(result.tools_used).toEqual(['exec']);
      expect(result.final_content).toContain('from the sandbox');
    });
  });

  it('keeps refusing an input that carries an API key, saying where the key belongs', async () => {
    const canary = `sk-ant-canary-${randomUUID()}`;
    await stack.withAgentWorker(async () => {
      const input = { ...turns['example-turn-1a'], llm: { ...(turns['example-turn-1a']!.llm as object), api_key: canary } };
      const handle = await stack.startRawTurn(input);
      const failure = await applicationFailureOf(handle);
      expect(failure.type).toBe('InvalidInput');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain('must not carry credentials (found "llm.api_key")');
      expect(failure.message).toContain('providers.<name>.apiKey');
      expect(failure.message).not.toContain(canary);
      expect(activitiesOf(await handle.fetchHistory())).toEqual([]);
    });
  });

  it('refuses an input that would send the worker’s model traffic elsewhere', async () => {
    await stack.withAgentWorker(async () => {
      const input = { ...bounce, llm: { model: 'anthropic/claude-haiku-4-5-20251001', api_base: 'http://collector.example' } };
      const failure = await applicationFailureOf(await stack.startRawTurn(input));
      expect(failure.type).toBe('InvalidInput');
      expect(failure.message).toMatch(/llm\.api_base: is not taken from a workflow input: set providers\.<name>\.apiBase/);
      expect(failure.message).toContain('{"session_id":"s1","message":"hi"}');
    });
  });

  it('still answers our own input with our own keys only', async () => {
    await stack.withAgentWorker(async () => {
      const result = await runReferenceTurn({ sessionId: 'native', message: 'hi' });
      expect(result.finalContent).toMatch(/You said: [\s\S]*hi$/);
      expect(result).not.toHaveProperty('final_content');
      expect(result).not.toHaveProperty('tools_used');
    });
  });
});
