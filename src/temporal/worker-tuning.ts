// The `temporal.worker` config section turned into Temporal WorkerOptions: the workflow cache,
// V8 context reuse and the slot tuner. One place, so the CLI worker, the local stack and the
// library's createAgentWorker all build the same worker from the same settings.
import type { WorkerOptions, WorkerTuner } from '@temporalio/worker';
import type { TemporalWorkerConfig } from '../config/schema.js';

/**
 * Workflows kept in memory by default. Measured with `npm run bench -- --only sessions`: a
 * cached idle AgentSessionWorkflow holds about 2.9 MiB of a worker's memory, on top of about
 * 350 MiB for a worker that has run one; with 200 cached, one worker holding 1,000 idle
 * sessions sat at 1010 MiB. A session not cached replays its short history when its next
 * message comes, which costs little (docs/benchmark.md, "What to set in production"). The
 * SDK's own default is sized from the V8 heap limit: thousands on a large machine.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

/** The SDK's defaults for fixed slots (WorkerOptions.maxConcurrent*), used for counts left out. */
const SDK_FIXED_SLOTS = { workflow: 40, activity: 100, localActivity: 100, nexus: 100 } as const;

export type WorkerTuningOptions = Pick<WorkerOptions, 'maxCachedWorkflows' | 'reuseV8Context' | 'tuner'>;

/** WorkerOptions for the given `temporal.worker` settings (undefined: every default). */
export function workerTuningOptions(settings: TemporalWorkerConfig | undefined): WorkerTuningOptions {
  const options: WorkerTuningOptions = {
    maxCachedWorkflows: settings?.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    reuseV8Context: settings?.reuseV8Context ?? true,
  };
  const tuner = workerTuner(settings?.tuner);
  if (tuner) options.tuner = tuner;
  return options;
}

function workerTuner(tuner: TemporalWorkerConfig['tuner']): WorkerTuner | undefined {
  if (tuner?.resourceBased) {
    const { targetMemoryUsage, targetCpuUsage } = tuner.resourceBased;
    return { tunerOptions: { targetMemoryUsage, targetCpuUsage } };
  }
  if (tuner?.fixed) {
    const fixed = (numSlots: number) => ({ type: 'fixed-size' as const, numSlots });
    return {
      workflowTaskSlotSupplier: fixed(tuner.fixed.workflowTaskSlots ?? SDK_FIXED_SLOTS.workflow),
      activityTaskSlotSupplier: fixed(tuner.fixed.activityTaskSlots ?? SDK_FIXED_SLOTS.activity),
      localActivityTaskSlotSupplier: fixed(tuner.fixed.localActivityTaskSlots ?? SDK_FIXED_SLOTS.localActivity),
      nexusTaskSlotSupplier: fixed(SDK_FIXED_SLOTS.nexus),
    };
  }
  return undefined;
}
