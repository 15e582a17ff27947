// `npx tsx scripts/record-replay-histories.ts [--address host:port] [--only a,b]`: runs AgentTurnWorkflow
// through its main paths on a real Temporal dev server (started here unless --address is given),
// with the scripted LLM and a temp workspace, and writes each history to
// test/replay/histories/<scenario>.json. test/replay/replay.test.ts replays them on every run, so
// a workflow change that breaks determinism fails the build. Rerun and commit the files when a
// deliberate, versioned change to the workflow makes the old histories obsolete. `--only` records
// just the named scenarios (a new patch's histories) and leaves the others as they were recorded.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../dev/scripted-llm/index.js';
import { agentBundleOptions, replayTelemetryOptions } from '../src/telemetry/worker-telemetry.js';
import { createAgentWorker } from '../src/temporal/agent-worker.js';
import { connectClient, ExoclawClient } from '../src/temporal/client.js';
import { startDevServer, waitForNamespace } from '../dev/local-stack/dev-server.js';
import { historyFromJson, historyToJson } from '../src/temporal/history-json.js';
import { packageRoot } from '../src/package-root.js';
import { workflowsEntry } from '../src/temporal/workflow-bundle.js';
import { createWorkerDeps } from '../src/temporal/worker-deps.js';
import type { TurnStatus } from '../src/contract/index.js';

const TASK_QUEUE = 'replay-recording';
const OUT_DIR = join(packageRoot(), 'test', 'replay', 'histories');

interface Scenario {
  name: string;
  /** Runs the turn and returns its handle once it has closed (completed, failed or cancelled). */
  run(ctx: { exoclaw: ExoclawClient; llm: ScriptedLlmServer }): Promise<WorkflowHandle>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'plain-answer',
    run: ({ exoclaw }) => finished(exoclaw.startTurn({ sessionId: 'replay-plain', message: 'hi' }, { workflowId: 'replay-plain-answer' })),
  },
  {
    name: 'tool-call',
    run: ({ exoclaw }) =>
      finished(
        exoclaw.startTurn(
          { sessionId: 'replay-tool', message: "Create a file named notes/replay.txt containing 'replayed'" },
          { workflowId: 'replay-tool-call' },
        ),
      ),
  },
  {
    // write_file is bounded: since the local-bounded-tools patch it runs as a local activity (a
    // marker in history). tool-call.json, recorded before, keeps the old path replaying.
    name: 'tool-call-local',
    run: ({ exoclaw }) =>
      finished(
        exoclaw.startTurn(
          { sessionId: 'replay-tool-local', message: "Create a file named notes/local.txt containing 'local'" },
          { workflowId: 'replay-tool-call-local' },
        ),
      ),
  },
  {
    // Since the local-turn-steps patch buildPrompt and recordTurn run as local activities first:
    // a one-call turn schedules only its model call on the server.
    name: 'plain-answer-local-steps',
    run: ({ exoclaw }) =>
      finished(exoclaw.startTurn({ sessionId: 'replay-plain-local-steps', message: 'hi' }, { workflowId: 'replay-plain-answer-local-steps' })),
  },
  {
    // A tool-call turn under both patches: only the two model calls are server-side activities.
    name: 'tool-call-local-steps',
    run: ({ exoclaw }) =>
      finished(
        exoclaw.startTurn(
          { sessionId: 'replay-tool-local-steps', message: "Create a file named notes/steps.txt containing 'steps'" },
          { workflowId: 'replay-tool-call-local-steps' },
        ),
      ),
  },
  {
    name: 'parallel-tools',
    run: ({ exoclaw }) =>
      finished(
        exoclaw.startTurn(
          { sessionId: 'replay-parallel', message: "run 'echo left' and 'echo right' in parallel" },
          { workflowId: 'replay-parallel-tools' },
        ),
      ),
  },
  {
    name: 'max-iterations',
    run: async ({ exoclaw, llm }) => {
      llm.setScript([{ name: 'always a tool', reply: { toolCalls: [{ name: 'exec', arguments: { command: 'echo again' } }] } }]);
      try {
        return await finished(
          exoclaw.startTurn({ sessionId: 'replay-max', message: 'loop', maxIterations: 2 }, { workflowId: 'replay-max-iterations' }),
        );
      } finally {
        llm.reset();
      }
    },
  },
  {
    name: 'auth-failure',
    run: async ({ exoclaw, llm }) => {
      llm.injectFault({ status: 401 });
      return finished(exoclaw.startTurn({ sessionId: 'replay-401', message: 'hi' }, { workflowId: 'replay-auth-failure' }));
    },
  },
  {
    name: 'cancelled',
    run: async ({ exoclaw }) => {
      const handle = await exoclaw.startTurn(
        {
          sessionId: 'replay-cancel',
          message: "Wait with 'sleep 600.7311'",
          activityOptions: { executeTool: { heartbeatTimeout: '2s' } },
        },
        { workflowId: 'replay-cancelled' },
      );
      await until(async () => (await handle.query<TurnStatus>('status')).phase === 'tools');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await handle.cancel();
      return finished(Promise.resolve(handle));
    },
  },
];

async function finished(started: Promise<WorkflowHandle>): Promise<WorkflowHandle> {
  const handle = await started;
  await handle.result().catch(() => undefined);
  return handle;
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the workflow');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { address: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('Usage: npx tsx scripts/record-replay-histories.ts [--address host:port] [--only scenario,scenario]');
    console.log(`Scenarios: ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`);
    return;
  }
  const only = values.only?.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = only?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(`Unknown scenario(s) for --only: ${unknown.join(', ')}. Known: ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`);
  }
  const scenarios = only ? SCENARIOS.filter((scenario) => only.includes(scenario.name)) : SCENARIOS;
  // Failed and cancelled scenarios are expected: keep the SDK's warnings about them quiet.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = values.address ? undefined : await startDevServer();
  const address = values.address ?? server!.address;
  if (values.address) await waitForNamespace(address, 'default', 10_000);
  const workspace = mkdtempSync(join(tmpdir(), 'exoclaw-replay-'));
  const llm = await startScriptedLlmServer();
  try {
    const config = loadConfig({
      env: { HOME: workspace },
      overrides: {
        agents: { defaults: { workspace, model: 'scripted/scripted-llm' } },
        providers: { scripted: { apiBase: llm.url } },
      },
      onWarning: () => undefined,
    });
    const { deps, close } = await createWorkerDeps(config, { logger: createLogger({ level: 'error' }) });
    deps.heartbeatIntervalMs = 200;
    const { code } = await bundleWorkflowCode({ workflowsPath: workflowsEntry(), ...agentBundleOptions(), logger: new DefaultLogger('WARN') });
    const connection = { address, namespace: 'default' };
    const agent = await createAgentWorker({
      connection,
      taskQueue: TASK_QUEUE,
      deps,
      workflowBundle: { code },
      shutdownGraceTime: '2s',
      identity: 'replay-recorder',
    });
    const client = await connectClient(connection);
    const exoclaw = new ExoclawClient(client, TASK_QUEUE);
    mkdirSync(OUT_DIR, { recursive: true });
    const written: { name: string; json: string }[] = [];
    try {
      await agent.worker.runUntil(async () => {
        for (const scenario of scenarios) {
          const handle = await scenario.run({ exoclaw, llm });
          const json = historyToJson(await handle.fetchHistory(), 2);
          writeFileSync(join(OUT_DIR, `${scenario.name}.json`), `${json}\n`);
          written.push({ name: scenario.name, json });
          const status = (await handle.describe()).status.name;
          console.log(`${scenario.name}: ${status}, ${JSON.parse(json).events.length} events`);
        }
      });
    } finally {
      await client.connection.close();
      await agent.connection.close();
      await close();
    }
    // Self-check: what was written replays against the code that wrote it.
    const replays = Worker.runReplayHistories(
      { workflowBundle: { code }, ...replayTelemetryOptions() },
      written.map(({ name, json }) => ({ workflowId: name, history: historyFromJson(json) })),
    );
    for await (const result of replays) {
      if (result.error) throw new Error(`${result.workflowId} does not replay: ${result.error.message}`);
    }
    console.log(`wrote ${written.length} histories to ${OUT_DIR}`);
  } finally {
    await llm.close();
    rmSync(workspace, { recursive: true, force: true });
    await server?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
