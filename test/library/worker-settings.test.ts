// temporal.worker in the config reaches Temporal's Worker: the workflow cache size, V8 context
// reuse and the slot tuner, read back from the real Worker's compiled options; bad values are
// refused with a message naming the key.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createAgentWorker, type AgentWorkerOptions } from '../../src/temporal/agent-worker.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS, workerTuningOptions } from '../../src/temporal/worker-tuning.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'exoclaw-worker-settings-'));
});
afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

function configWith(worker: unknown, env: Record<string, string> = {}) {
  return loadConfig({
    env: { HOME: base, ...env },
    overrides: {
      agents: { defaults: { workspace: join(base, 'workspace'), stateDir: join(base, 'state') } },
      temporal: worker === undefined ? {} : { worker },
      // Never called: the workers here poll for a moment and stop.
      providers: { scripted: { apiBase: 'http://127.0.0.1:47' } },
    },
    onWarning: () => undefined,
  });
}

function configError(worker: unknown): string {
  try {
    configWith(worker);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** Builds the real agent worker for `config` and hands back its compiled options (never polls for long). */
async function compiledOptions(config: AgentWorkerOptions['config'], extra: Partial<AgentWorkerOptions> = {}) {
  const env = await getTestEnv();
  const agent = await createAgentWorker({
    config,
    connection: { address: env.address, namespace: env.namespace },
    taskQueue: uniqueTaskQueue('worker-settings'),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    shutdownGraceTime: '1s',
    tracing: null,
    ...extra,
  });
  const options = agent.worker.options;
  await agent.worker.runUntil(async () => undefined);
  await agent.connection.close();
  return options;
}

describe('temporal.worker', () => {
  it('defaults: a bounded workflow cache, the shared V8 context, no tuner', () => {
    expect(workerTuningOptions(configWith(undefined).temporal.worker)).toEqual({
      maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
      reuseV8Context: true,
    });
  });

  it('EXOCLAW_MAX_CACHED_WORKFLOWS sets the cache size', () => {
    expect(configWith(undefined, { EXOCLAW_MAX_CACHED_WORKFLOWS: '250' }).temporal.worker?.maxCachedWorkflows).toBe(250);
  });

  it('the cache size, context reuse and fixed slots reach the Worker', async () => {
    const config = configWith({ maxCachedWorkflows: 7, reuseV8Context: false, tuner: { fixed: { workflowTaskSlots: 3, activityTaskSlots: 5 } } });
    const options = await compiledOptions(config);
    expect(options.maxCachedWorkflows).toBe(7);
    expect(options.reuseV8Context).toBe(false);
    expect(options.tuner).toMatchObject({
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 3 },
      activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 5 },
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 }, // left out: the SDK's default
    });
  }, 60_000);

  it('the resource-based tuner reaches the Worker with its targets', async () => {
    const config = configWith({ tuner: { resourceBased: { targetMemoryUsage: 0.8, targetCpuUsage: 0.9 } } });
    const options = await compiledOptions(config);
    expect(options.maxCachedWorkflows).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(options.tuner).toMatchObject({
      workflowTaskSlotSupplier: { type: 'resource-based' },
      activityTaskSlotSupplier: { type: 'resource-based' },
      resourceBasedTunerConfig: { type: 'options', targetMemoryUsage: 0.8, targetCpuUsage: 0.9 },
    });
  }, 60_000);

  it('a tuner and maxConcurrentActivityTaskExecutions together are refused before connecting', async () => {
    const config = configWith({ tuner: { fixed: { activityTaskSlots: 5 } } });
    await expect(compiledOptions(config, { maxConcurrentActivityTaskExecutions: 3 })).rejects.toThrow(/either a slot tuner .* or maxConcurrentActivityTaskExecutions/);
  });

  it('bad values name the key and say what is allowed', () => {
    expect(configError({ maxCachedWorkflows: -1 })).toMatch(/temporal\.worker\.maxCachedWorkflows/);
    expect(configError({ maxCachedWorkflows: 1 })).toMatch(/0 \(no cache\) or at least 2/);
    expect(configError({ reuseV8Context: 'yes' })).toMatch(/temporal\.worker\.reuseV8Context/);
    expect(configError({ tuner: { resourceBased: { targetMemoryUsage: 80, targetCpuUsage: 0.9 } } })).toMatch(
      /temporal\.worker\.tuner\.resourceBased\.targetMemoryUsage/,
    );
    expect(configError({ tuner: {} })).toMatch(/either "resourceBased" .* or "fixed"/);
    expect(configError({ tuner: { fixed: { workflowTaskSlots: 1 } } })).toMatch(/workflowTaskSlots/);
  });

  it('a mistyped key gets a did-you-mean warning', () => {
    const warnings: string[] = [];
    loadConfig({
      env: { HOME: base },
      overrides: { agents: { defaults: { workspace: join(base, 'workspace') } }, temporal: { worker: { maxCachedWorkflow: 5 } } },
      onWarning: (message) => warnings.push(message),
    });
    expect(warnings.join('\n')).toContain('did you mean "temporal.worker.maxCachedWorkflows"?');
  });
});
