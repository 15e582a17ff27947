import { hostname } from 'node:os';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker, type NativeConnectionOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/index.js';
import { createActivities } from '../../activities/index.js';
import type { AgentHooks, LLMProvider, Tool } from '../core/index.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { loadEncryptionKeys } from '../encryption/load-encryption-keys.js';
import type { Logger } from '../logger.js';
import { tracingFromEnv, type Tracing } from '../telemetry/tracing.js';
import { agentBundleOptions, workerTelemetryOptions } from '../telemetry/worker-telemetry.js';
import { resolveAgentConfig, type AgentConfigInput } from './agent-config.js';
import { resolveConnection, type ResolvedConnection } from './connection.js';
import { exoclawDataConverter } from './data-converter.js';
import { workflowSource } from './workflow-bundle.js';
import { createWorkerDeps } from './worker-deps.js';
import { workerTuningOptions } from './worker-tuning.js';
import type { TemporalWorkerConfig } from '../config/schema.js';

/**
 * What an agent worker is made of. The short form is `{ tools, hooks, providers, config }`: the
 * activity dependencies are then built from the config (as the `worker` command does) with the
 * given tools, hooks and providers added. `deps` instead hands over dependencies built elsewhere.
 */
export interface AgentWorkerOptions {
  /** A loaded Config, a config file path, or settings over the config file and environment (default: those alone). */
  config?: AgentConfigInput;
  /** Your own tools (`defineTool`): offered to the model and run durably by executeTool beside the built-ins. */
  tools?: readonly Tool[];
  /** Your own providers by name: a turn's model `name/model` is served by `providers[name]`. */
  providers?: Readonly<Record<string, LLMProvider>>;
  /** Your hooks (before the prompt, before each tool call, after the turn), run in activities of durable turns. */
  hooks?: AgentHooks;
  /** Default: the config's `temporal` section and the standard Temporal environment (TEMPORAL_ADDRESS, …). */
  connection?: ResolvedConnection;
  /** Default: the config's first task queue (`exoclaw-temporal`). */
  taskQueue?: string;
  /** Activity dependencies built elsewhere (tests, benchmarks); then config, tools, providers and hooks are not used. */
  deps?: ActivityDeps;
  logger?: Logger;
  /** Overrides the bundle lookup (tests pass the bundle they built once). */
  workflowBundle?: { code: string } | { codePath: string };
  /** How long running activities get to finish on SIGTERM before they are handed back (default 10 s). */
  shutdownGraceTime?: string | number;
  identity?: string;
  maxConcurrentActivityTaskExecutions?: number;
  /** Workflow cache, V8 context reuse and slot tuner; default: the config's `temporal.worker`, else the defaults in worker-tuning.ts. */
  workerSettings?: TemporalWorkerConfig;
  stickyQueueScheduleToStartTimeout?: string | number;
  /** Payload encryption keys (every worker and client of these workflows needs the same ones); default: from the config. */
  encryption?: EncryptionKeyRing;
  /** Default: exoclawDataConverter({ stateDir, encryption }); clients of these workflows need the same one. */
  dataConverter?: DataConverter;
  /** Where spans go; default: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing (null: none). */
  tracing?: Tracing | null;
}

export interface AgentWorker {
  worker: Worker;
  connection: NativeConnection;
  identity: string;
  taskQueue: string;
  /** Runs until the worker is shut down (SIGTERM, SIGINT or `worker.shutdown()`), then closes what was opened for it. */
  run(): Promise<void>;
}

export interface AgentWorkers {
  /** One Temporal worker per task queue, in the order given. */
  workers: Array<{ taskQueue: string; worker: Worker }>;
  /** The one connection they share. */
  connection: NativeConnection;
  identity: string;
  /** Closes what was opened for these workers (the connection, and dependencies built from the config); after they stop. */
  close(): Promise<void>;
}

/** A worker that runs the agent workflows and activities; stateless, so any number can run. */
export async function createAgentWorker(opts: AgentWorkerOptions = {}): Promise<AgentWorker> {
  const { taskQueue, ...rest } = opts;
  const agent = await createAgentWorkers({ ...rest, ...(taskQueue ? { taskQueues: [taskQueue] } : {}) });
  const { worker } = agent.workers[0]!;
  return {
    worker,
    connection: agent.connection,
    identity: agent.identity,
    taskQueue: agent.workers[0]!.taskQueue,
    run: async () => {
      try {
        await worker.run();
      } finally {
        await agent.close();
      }
    },
  };
}

/**
 * One Temporal worker per task queue (a Temporal worker polls exactly one), sharing one
 * connection, one set of activities over the same dependencies and one workflow bundle, so a
 * fleet can serve several queue names at once, e.g. an old and a new one during a migration.
 */
export async function createAgentWorkers(opts: Omit<AgentWorkerOptions, 'taskQueue'> & { taskQueues?: readonly string[] }): Promise<AgentWorkers> {
  // Without deps, everything comes from the config: bad settings fail here, before connecting.
  const config = opts.deps ? undefined : resolveAgentConfig(opts.config, opts.logger && ((message) => opts.logger!.warn(message)));
  const taskQueues = opts.taskQueues ?? config?.temporal.taskQueues;
  if (!taskQueues || taskQueues.length === 0) throw new Error('createAgentWorkers needs at least one task queue.');
  const tuning = workerTuningOptions(opts.workerSettings ?? config?.temporal.worker);
  if (tuning.tuner && opts.maxConcurrentActivityTaskExecutions !== undefined) {
    throw new Error('Set either a slot tuner (temporal.worker.tuner) or maxConcurrentActivityTaskExecutions, not both: the tuner decides activity slots.');
  }
  const target = opts.connection ?? resolveConnection({}, config?.temporal);
  const encryption = opts.encryption ?? (config ? loadEncryptionKeys(config.security.encryption) : undefined);
  // Before connecting: a bad OTel setting fails here with nothing to close.
  const tracing = opts.tracing === undefined ? await tracingFromEnv() : (opts.tracing ?? undefined);
  const built = opts.deps
    ? { deps: opts.deps, close: async () => undefined }
    : await createWorkerDeps(config!, { logger: opts.logger, encryption, tools: opts.tools, providers: opts.providers, hooks: opts.hooks });
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({
      address: target.address,
      tls: target.tls as NativeConnectionOptions['tls'],
      apiKey: target.apiKey,
      metadata: target.metadata,
    });
  } catch (error) {
    await built.close();
    throw error;
  }
  const deps = built.deps;
  const identity = opts.identity ?? `${process.pid}@${hostname()}`;
  const workers: AgentWorkers['workers'] = [];
  try {
    const activities = createActivities(deps);
    // Payloads are encrypted when keys are set; those still over 256 KiB go to the shared
    // state root instead of history. Codecs run in this process, outside the workflow
    // sandbox, so the workflow bundle needs nothing for them.
    const dataConverter = opts.dataConverter ?? exoclawDataConverter({ stateDir: deps.stateDir, encryption });
    const workflows = await sharedWorkflowSource(opts.workflowBundle, taskQueues.length);
    for (const taskQueue of taskQueues) {
      const worker = await Worker.create({
        // Metrics and trace interceptors, and the sinks the bundled workflows call (workflow spans, turn counts, session events).
        ...workerTelemetryOptions(tracing, { fromSource: 'workflowsPath' in workflows, events: deps.events }),
        connection,
        namespace: target.namespace,
        taskQueue,
        identity,
        activities,
        dataConverter,
        ...workflows,
        shutdownGraceTime: opts.shutdownGraceTime ?? '10s',
        ...tuning,
        maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions,
        // A killed worker keeps its workflows "sticky" until this runs out; the SDK's 10 s default
        // would add 10 s to every resume after a SIGKILL. 3 s still favours the cache under load.
        stickyQueueScheduleToStartTimeout: opts.stickyQueueScheduleToStartTimeout ?? '3s',
      });
      workers.push({ taskQueue, worker });
    }
  } catch (error) {
    // Worker.create does not close a connection it was handed.
    await connection.close();
    await built.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await built.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    })());
  return { workers, connection, identity, close };
}

/** The workflow code for every worker: bundled once when the sources would otherwise be bundled per queue. */
async function sharedWorkflowSource(
  given: AgentWorkerOptions['workflowBundle'],
  count: number,
): Promise<{ workflowBundle: { code: string } | { codePath: string } } | { workflowsPath: string }> {
  if (given) return { workflowBundle: given };
  const source = workflowSource();
  if (source.workflowBundle || !source.workflowsPath || count === 1) {
    return source.workflowBundle ? { workflowBundle: source.workflowBundle } : { workflowsPath: source.workflowsPath! };
  }
  const { code } = await bundleWorkflowCode({ workflowsPath: source.workflowsPath, ...agentBundleOptions() });
  return { workflowBundle: { code } };
}
