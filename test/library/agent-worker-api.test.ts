// createAgentWorker's short form on the real dev server: settings as the config, a tool, hooks and
// a provider of the library user's own (plain code implementing LLMProvider, no HTTP). The hooks
// run in the durable turn's activities: beforePrompt's text reaches the system prompt, beforeTool's
// deny reaches the model as the tool's result, afterTurn sees the recorded turn.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { z } from 'zod';
import {
  createAgentWorker,
  defineTool,
  ExoclawClient,
  toolOutput,
  type AgentHooks,
  type AgentWorker,
  type ChatRequest,
  type LLMProvider,
  type LLMResponse,
} from '../../src/index.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';

/** A provider of the user's own: asks for the tool once, then reports what it was told. */
class LookupModel implements LLMProvider {
  readonly systemPrompts: string[] = [];
  defaultModel(): string {
    return 'lookup';
  }
  async chat(request: ChatRequest): Promise<LLMResponse> {
    const system = request.messages.find((message) => message.role === 'system');
    this.systemPrompts.push(typeof system?.content === 'string' ? system.content : JSON.stringify(system?.content));
    const last = request.messages.at(-1)!;
    const usage = { inputTokens: 10, outputTokens: 5 };
    if (last.role === 'tool') {
      return { content: `The tool said: ${String(last.content)}`, toolCalls: [], finishReason: 'stop', usage };
    }
    const key = /look up (\S+)/.exec(String(last.content))?.[1] ?? 'nothing';
    return { content: null, toolCalls: [{ id: `call-${key}`, name: 'lookup', arguments: { key } }], finishReason: 'tool_calls', usage };
  }
}

const model = new LookupModel();
const looked: string[] = [];
const ended: string[] = [];
const lookup = defineTool({
  name: 'lookup',
  description: 'Look a key up',
  args: z.object({ key: z.string() }),
  async execute({ key }) {
    looked.push(key);
    return toolOutput(`${key} is 42`);
  },
});
const hooks: AgentHooks = {
  beforePrompt: ({ sessionId }) => `Hook context for ${sessionId}.`,
  beforeTool: ({ name, args }) =>
    name === 'lookup' && String(args['key']).startsWith('launch') ? { action: 'deny', reason: 'launch codes are off limits' } : null,
  afterTurn: ({ sessionId, messageCount }) => {
    ended.push(`${sessionId}:${messageCount}`);
  },
};

let base: string;
let agent: AgentWorker;
let running: Promise<void>;
let client: ExoclawClient;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'exoclaw-api-test-'));
  const env = await getTestEnv();
  agent = await createAgentWorker({
    config: { agents: { defaults: { workspace: join(base, 'workspace'), stateDir: join(base, 'state'), model: 'mine/lookup' } } },
    tools: [lookup],
    hooks,
    providers: { mine: model },
    connection: { address: env.address, namespace: env.namespace },
    taskQueue: uniqueTaskQueue('api'),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    shutdownGraceTime: '2s',
    tracing: null,
  });
  running = agent.run();
  client = new ExoclawClient(env.client, agent.taskQueue);
}, 60_000);

afterAll(async () => {
  if (agent?.worker.getState() === 'RUNNING') agent.worker.shutdown();
  await running;
  if (base) await rm(base, { recursive: true, force: true });
});

describe('createAgentWorker({ config, tools, hooks, providers })', () => {
  it('serves the model from the given provider and runs the given tool durably', async () => {
    const outcome = await client.runTurn({ sessionId: 'api-allowed', message: 'please look up answer' });
    expect(outcome.finalContent).toBe('The tool said: answer is 42');
    expect(outcome.toolsUsed).toEqual(['lookup']);
    expect(looked).toEqual(['answer']);
    expect(model.systemPrompts.at(-1)).toContain('Hook context for api-allowed.');
  });

  it("a beforeTool hook's deny reaches the model as the tool's result, and the tool does not run", async () => {
    const outcome = await client.runTurn({ sessionId: 'api-denied', message: 'please look up launch-codes' });
    expect(outcome.finalContent).toContain('launch codes are off limits');
    expect(looked).not.toContain('launch-codes');
    await expect.poll(() => ended).toContain('api-denied:4'); // user, tool call, tool result, answer
  });
});
