// The moving parts of a durability experiment: a Temporal server (started or reused), the
// workflow bundle built once, a scripted LLM (unless a real model is used), a shared temp
// workspace, a fleet of real worker processes and a client. Used by `exoclaw-temporal bounce`
// and by the fault suite (test/faults/).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TurnWorkflowInput } from '../../src/contract/index.js';
import { startScriptedLlmServer, type ScriptedLlmServer, type ScriptedLlmServerOptions } from '../scripted-llm/index.js';
import { SCRIPTED_LLM_URL_ENV } from '../../src/providers/provider-table.js';
import { agentBundleOptions } from '../../src/telemetry/worker-telemetry.js';
import { connectClient } from '../../src/temporal/client.js';
import { connectOrStart, startDevServer, type DevServer, type DevServerOptions } from '../local-stack/dev-server.js';
import { prebuiltBundlePath, workflowsEntry } from '../../src/temporal/workflow-bundle.js';
import { WorkerFleet, type WorkerFleetOptions } from './worker-fleet.js';

export const SCRIPTED_MODEL = 'scripted/scripted-llm';

export interface DurabilityRigOptions {
  /** Reuse this Temporal frontend (host:port); otherwise a dev server is started. */
  temporalAddress?: string;
  namespace?: string;
  /** Options for a dev server this rig starts (e.g. a fixed port and SQLite file). */
  devServer?: DevServerOptions;
  /** A pre-built workflow bundle; default dist/workflow-bundle.js, else bundled once into a temp file. */
  workflowBundlePath?: string;
  /** Model for the workers. Default: the scripted model, served by an in-process scripted LLM. */
  model?: string;
  /** Options for the in-process scripted LLM (only when the model is scripted). */
  scripted?: ScriptedLlmServerOptions;
  /** `--shutdown-grace` for the workers. */
  shutdownGrace?: string;
  /** Extra environment for the worker processes. */
  workerEnv?: Record<string, string | undefined>;
  /** More flags for every worker process (e.g. `--config FILE`). */
  workerArgs?: string[];
  /** A worker program other than `exoclaw-temporal worker` (WorkerFleetOptions.entry). */
  workerEntry?: string[];
  onWorkerOutput?: WorkerFleetOptions['onOutput'];
  /** Progress lines ("bundling workflow code…"). */
  progress?: (line: string) => void;
}

export interface DurabilityRig {
  server: DevServer;
  client: Client;
  fleet: WorkerFleet;
  llm: ScriptedLlmServer | undefined;
  model: string;
  workspace: string;
  /** The runtime's state root beside the workspace (session logs, blobs, journal). */
  stateDir: string;
  taskQueue: string;
  namespace: string;
  bundlePath: string;
  /** Starts an AgentTurnWorkflow on this rig's task queue. */
  startTurn(input: TurnWorkflowInput, workflowId?: string): Promise<WorkflowHandle>;
  /** Stops workers, the client, the scripted LLM and a server this rig started; deletes temp files. */
  close(opts?: { keepWorkspace?: boolean }): Promise<void>;
}

/** Brings everything up; on failure, stops whatever had already started. */
export async function startDurabilityRig(opts: DurabilityRigOptions = {}): Promise<DurabilityRig> {
  const progress = opts.progress ?? (() => undefined);
  const namespace = opts.namespace ?? 'default';
  const cleanups: Array<() => Promise<void> | void> = [];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // best effort: keep cleaning up
      }
    }
  };
  try {
    const tempDir = mkdtempSync(join(tmpdir(), 'exoclaw-bounce-'));
    let keepWorkspace = false;
    cleanups.push(() => {
      if (!keepWorkspace) rmSync(tempDir, { recursive: true, force: true });
    });
    const workspace = join(tempDir, 'workspace');
    const stateDir = join(tempDir, 'state');

    const server = opts.temporalAddress
      ? await connectOrStart(opts.temporalAddress, { namespace })
      : await startDevServer({ namespace, ...opts.devServer });
    cleanups.push(() => server.stop());
    progress(server.process ? `Temporal dev server started at ${server.address}` : `Using Temporal at ${server.address}`);

    const bundlePath = await workflowBundle(opts.workflowBundlePath, tempDir, progress);

    const model = opts.model ?? SCRIPTED_MODEL;
    let llm: ScriptedLlmServer | undefined;
    const env: Record<string, string | undefined> = { EXOCLAW_WORKFLOW_BUNDLE: bundlePath, ...opts.workerEnv };
    if (/^scripted(-anthropic)?\//.test(model)) {
      llm = await startScriptedLlmServer(opts.scripted);
      cleanups.push(() => llm?.close());
      env[SCRIPTED_LLM_URL_ENV] = llm.url;
      progress(`Scripted LLM at ${llm.url} (no API key needed; answers are scripted, not a real model)`);
    }

    const taskQueue = `bounce-${randomUUID().slice(0, 8)}`;
    const fleet = new WorkerFleet({
      temporalAddress: server.address,
      namespace,
      taskQueue,
      workspace,
      stateDir,
      model,
      env,
      shutdownGrace: opts.shutdownGrace,
      args: opts.workerArgs,
      entry: opts.workerEntry,
      onOutput: opts.onWorkerOutput,
    });
    cleanups.push(() => fleet.stopAll());

    const client = await connectClient({ address: server.address, namespace });
    cleanups.push(() => client.connection.close());

    return {
      server,
      client,
      fleet,
      llm,
      model,
      workspace,
      stateDir,
      taskQueue,
      namespace,
      bundlePath,
      startTurn: (input, workflowId) =>
        client.workflow.start('AgentTurnWorkflow', {
          taskQueue,
          workflowId: workflowId ?? `bounce-${input.sessionId}-${randomUUID().slice(0, 8)}`,
          args: [input],
        }),
      close: async (closeOpts = {}) => {
        keepWorkspace = closeOpts.keepWorkspace ?? false;
        await runCleanups();
      },
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

/** The bundle every worker loads: built once, so two workers do not each spend 10-30 s bundling. */
async function workflowBundle(given: string | undefined, tempDir: string, progress: (line: string) => void): Promise<string> {
  if (given) return given;
  const envBundle = process.env['EXOCLAW_WORKFLOW_BUNDLE'];
  if (envBundle && existsSync(envBundle)) return envBundle;
  const prebuilt = prebuiltBundlePath();
  if (existsSync(prebuilt)) return prebuilt;
  progress('Bundling the workflow code once for both workers (`npm run build:workflows` makes this instant)…');
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsEntry(), ...agentBundleOptions(), logger: new DefaultLogger('WARN') });
  const path = join(tempDir, 'workflow-bundle.js');
  writeFileSync(path, code);
  return path;
}
