// Everything one benchmark run needs, started once and torn down in reverse order even when
// a phase fails: Temporal (a dev server, or $TEMPORAL_ADDRESS), the scripted model, a temp
// workspace, the worker's real dependencies, one agent worker, and a client.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/index.js';
import type { LLMProvider } from '../../src/core/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startScriptedLlmServer } from '../scripted-llm/index.js';
import { agentBundleOptions, workerTelemetryOptions } from '../../src/telemetry/worker-telemetry.js';
import { createAgentWorker, type AgentWorker } from '../../src/temporal/agent-worker.js';
import { ExoclawClient } from '../../src/temporal/client.js';
import { connectOrStart } from '../local-stack/dev-server.js';
import { devServerTuningFromEnv } from '../local-stack/dev-server-tuning.js';
import { devWorkflowsEntry } from '../dev-workflows.js';
import { createWorkerDeps } from '../../src/temporal/worker-deps.js';
import { createBenchActivities } from './bench-activities.js';
import { benchScript } from './bench-script.js';
import { benchNoopTool } from './noop-tool.js';

export interface BenchStackOptions {
  /** Every tool-step count a turn in this run will use (the scripted model learns them all). */
  stepCounts: number[];
  bundlePath: string | undefined;
  progress: (line: string) => void;
}

export interface BenchStack {
  /** `tuning`: the dev server's dynamic config ('tuned' or 'stock'), 'external' for $TEMPORAL_ADDRESS. */
  temporal: { address: string; namespace: string; started: boolean; tuning: string; pid: number | undefined };
  config: Config;
  deps: ActivityDeps;
  /** The scripted model as a provider, for the in-process runs. */
  model: { provider: LLMProvider; model: string };
  client: Client;
  exoclaw: ExoclawClient;
  taskQueue: string;
  logger: Logger;
  /** The workflow bundle as a file, for worker processes (the sessions and concurrency phases). */
  bundlePath: string;
  /** A fresh temp directory under the stack's own, removed with it. */
  tempDir(name: string): Promise<string>;
  /** Runs `fn` while the one agent worker polls `taskQueue`. */
  withAgentWorker<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` while a second worker with the bench-only no-op activity polls its own queue. */
  withFloorWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Cleanups run last-in first-out; each failure is reported, none stops the others. */
class Cleanups {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }
  async runAll(report: (line: string) => void): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        report(`cleanup: ${step.what} failed: ${(error as Error).message}`);
      }
    }
  }
}

export async function startBenchStack(opts: BenchStackOptions): Promise<BenchStack> {
  const cleanups = new Cleanups();
  try {
    return await start(opts, cleanups);
  } catch (error) {
    await cleanups.runAll(opts.progress);
    throw error;
  }
}

async function start(opts: BenchStackOptions, cleanups: Cleanups): Promise<BenchStack> {
  const { progress } = opts;
  try {
    // Worker state changes log at INFO; keep stderr for progress lines. The benchmark handles
    // Ctrl-C itself (see runBench), so cleanup always follows the workers' shutdown.
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // A Runtime already exists in this process: keep it.
  }
  const logger = createLogger({ level: 'warn' });

  const external = process.env.TEMPORAL_ADDRESS || undefined;
  progress(external ? `using Temporal at ${external}` : `starting a Temporal dev server (${devServerTuningFromEnv()} dynamic config)`);
  const server = await connectOrStart(external, { namespace: process.env.TEMPORAL_NAMESPACE || 'default' });
  cleanups.add('stop the dev server', () => server.stop());

  const workflowBundle = await loadBundle(opts.bundlePath, progress);

  const llm = await startScriptedLlmServer({ script: benchScript(opts.stepCounts) });
  cleanups.add('stop the scripted model', () => llm.close());

  const base = await mkdtemp(join(tmpdir(), 'exoclaw-bench-'));
  cleanups.add('remove the temp workspace and state root', () => rm(base, { recursive: true, force: true }));
  const workspace = join(base, 'workspace');
  // Worker processes load the bundle from a file; webpack never runs in them (it would count in their RSS).
  const bundlePath = 'codePath' in workflowBundle ? workflowBundle.codePath : join(base, 'workflow-bundle.js');
  if ('code' in workflowBundle) await writeFile(bundlePath, workflowBundle.code);
  const config = loadConfig({
    env: { HOME: base },
    overrides: {
      agents: {
        defaults: {
          workspace,
          stateDir: join(base, 'state'),
          model: 'scripted/scripted-llm',
          // Large enough that a 1 MB transcript reaches the model whole and is never consolidated.
          memoryWindow: 1_000,
          contextWindowTokens: 2_000_000,
        },
      },
      providers: { scripted: { apiBase: llm.url } },
    },
    onWarning: () => undefined,
  });
  const workerDeps = await createWorkerDeps(config, { logger });
  cleanups.add('close the worker dependencies', () => workerDeps.close());
  const deps = workerDeps.deps;
  deps.tools.register(benchNoopTool);

  const connection = await Connection.connect({ address: server.address });
  cleanups.add('close the client connection', () => connection.close());
  const client = new Client({ connection, namespace: server.namespace });
  const taskQueue = `bench-${process.pid}-${Date.now()}`;

  progress('starting the agent worker');
  const agent: AgentWorker = await createAgentWorker({
    connection: { address: server.address, namespace: server.namespace },
    taskQueue,
    deps,
    workflowBundle,
    shutdownGraceTime: '2s',
  });
  cleanups.add('close the worker connection', () => agent.connection.close());

  return {
    temporal: {
      address: server.address,
      namespace: server.namespace,
      started: server.process !== undefined,
      tuning: server.tuning ?? 'external',
      pid: server.process?.pid,
    },
    config,
    deps,
    model: deps.resolveModel(config.agents.defaults.model),
    client,
    exoclaw: new ExoclawClient(client, taskQueue),
    taskQueue,
    logger,
    bundlePath,
    tempDir: (name) => mkdtemp(join(base, `${name}-`)),
    withAgentWorker: (fn) => agent.worker.runUntil(fn),
    withFloorWorker: async (fn) => {
      const floorQueue = `${taskQueue}-floor`;
      const worker = await Worker.create({
        connection: agent.connection,
        namespace: server.namespace,
        taskQueue: floorQueue,
        activities: createBenchActivities(),
        workflowBundle,
        ...workerTelemetryOptions(undefined),
        shutdownGraceTime: '2s',
      });
      return worker.runUntil(() => fn(floorQueue));
    },
    close: () => cleanups.runAll(progress),
  };
}

/** The given pre-built bundle, or workflows/index.ts bundled once (so it has the bench workflow). */
async function loadBundle(
  bundlePath: string | undefined,
  progress: (line: string) => void,
): Promise<{ code: string } | { codePath: string }> {
  if (bundlePath) {
    progress(`using the workflow bundle ${bundlePath}`);
    return { codePath: bundlePath };
  }
  progress('bundling workflows/index.ts (once)');
  const { code } = await bundleWorkflowCode({ workflowsPath: devWorkflowsEntry(), ...agentBundleOptions(), logger: new DefaultLogger('WARN') });
  return { code };
}
