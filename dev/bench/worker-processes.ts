// Real `exoclaw-temporal worker` processes for the phases that measure a worker from outside
// (its RSS from /proc, a restart, two workers on one queue): a task queue of their own, the
// bench's workflow bundle, a scripted model that answers every message at once.
import { join } from 'node:path';
import { SCRIPTED_LLM_URL_ENV } from '../../src/providers/provider-table.js';
import { WorkerFleet } from '../bounce/worker-fleet.js';
import { startScriptedLlmServer } from '../scripted-llm/index.js';
import { benchScript } from './bench-script.js';
import type { PhaseContext } from './phase-context.js';

export interface BenchWorkerProcesses {
  fleet: WorkerFleet;
  taskQueue: string;
  /** Stops every worker (SIGTERM, then SIGKILL) and the scripted model. */
  close(): Promise<void>;
}

/** A fleet on a new task queue; `env` goes to every worker (e.g. EXOCLAW_MAX_CACHED_WORKFLOWS). */
export async function startBenchWorkerProcesses(
  ctx: PhaseContext,
  name: string,
  env: Record<string, string | undefined> = {},
): Promise<BenchWorkerProcesses> {
  const { stack } = ctx;
  const llm = await startScriptedLlmServer({ script: benchScript([]) });
  const dir = await stack.tempDir(name);
  const taskQueue = `bench-${ctx.runId}-${name}`;
  const fleet = new WorkerFleet({
    temporalAddress: stack.temporal.address,
    namespace: stack.temporal.namespace,
    taskQueue,
    workspace: join(dir, 'workspace'),
    stateDir: join(dir, 'state'),
    model: 'scripted/scripted-llm',
    shutdownGrace: '5s',
    env: {
      EXOCLAW_WORKFLOW_BUNDLE: stack.bundlePath,
      [SCRIPTED_LLM_URL_ENV]: llm.url,
      EXOCLAW_LOG_LEVEL: 'warn',
      // A config file of the user's would change what is measured.
      HOME: dir,
      EXOCLAW_CONFIG: undefined,
      ...env,
    },
  });
  return {
    fleet,
    taskQueue,
    close: async () => {
      await fleet.stopAll(20_000);
      await llm.close();
    },
  };
}
