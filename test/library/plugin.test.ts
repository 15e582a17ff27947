// exoclawPlugin in a worker of someone else's: the worker has its own workflows (from its own
// workflowsPath) and activities, and the plugin adds the agent's, with a custom tool. Both kinds
// of workflow run on the one worker, against the real dev server and the scripted LLM over HTTP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { defineTool, ExoclawClient, exoclawPlugin, toolOutput, type ExoclawPlugin } from '../../src/index.js';
import { packageRoot } from '../../src/package-root.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';
import type { HostActivities } from '../fixtures/plugin-host/host-workflows.js';

let llm: ScriptedLlmServer;
let base: string;
let plugin: ExoclawPlugin;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let client: Client;
const taskQueue = uniqueTaskQueue('plugin');
const lookups: string[] = [];

const stockTool = defineTool({
  name: 'stock_level',
  description: 'How many of an item are in stock',
  args: z.object({ item: z.string() }),
  async execute({ item }) {
    lookups.push(item);
    return toolOutput(`${item}: 42 in stock`);
  },
});

beforeAll(async () => {
  llm = await startScriptedLlmServer();
  llm.setScript({
    rules: [
      {
        when: { lastUserMatches: '^How many (\\w+)', hasToolResult: false, toolAvailable: 'stock_level' },
        reply: { toolCalls: [{ name: 'stock_level', arguments: { item: '{{match.1}}' } }] },
      },
      { when: { lastToolName: 'stock_level' }, reply: { text: 'Stock says {{lastToolResult}}' } },
    ],
    useDefaults: true,
  });
  base = await mkdtemp(join(tmpdir(), 'exoclaw-plugin-test-'));
  plugin = exoclawPlugin({
    tools: [stockTool],
    config: {
      agents: { defaults: { workspace: join(base, 'workspace'), stateDir: join(base, 'state'), model: 'scripted/scripted-llm' } },
      providers: { scripted: { apiBase: llm.url } },
    },
  });
  const env = await getTestEnv();
  connection = await NativeConnection.connect({ address: env.address });
  const hostActivities: HostActivities = { shout: async (text) => text.toUpperCase() };
  // The host's own worker: its workflowsPath and activities; the plugin adds the agent's.
  worker = await Worker.create({
    connection,
    namespace: env.namespace,
    taskQueue,
    workflowsPath: join(packageRoot(), 'test', 'fixtures', 'plugin-host', 'host-workflows.ts'),
    activities: hostActivities,
    plugins: [plugin],
    shutdownGraceTime: '2s',
  });
  running = worker.run();
  // The plugin gives a client the data converter the agent workflows need.
  client = new Client({ connection: env.connection, namespace: env.namespace, plugins: [plugin] });
}, 180_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection?.close();
  await llm?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

describe('exoclawPlugin in a worker with workflows of its own', () => {
  it('runs the host workflow and an agent turn with the custom tool on the same worker', async () => {
    const greeting = await client.workflow.execute('HostGreetingWorkflow', {
      taskQueue,
      workflowId: `host-${Date.now()}`,
      args: ['ada'],
    });
    expect(greeting).toBe('Hello, ADA!');

    const outcome = await new ExoclawClient(client, taskQueue).runTurn({ sessionId: `plugin-${Date.now()}`, message: 'How many pears are left?' });
    expect(outcome.toolsUsed).toEqual(['stock_level']);
    expect(outcome.finalContent).toBe('Stock says pears: 42 in stock');
    expect(lookups).toEqual(['pears']);
  }, 60_000);

  it('names itself to Temporal and leaves the host its activities', () => {
    expect(plugin.name).toBe('exoclaw-temporal');
    expect(worker.options.activities.has('shout')).toBe(true);
    expect(worker.options.activities.has('executeTool')).toBe(true);
  });
});
