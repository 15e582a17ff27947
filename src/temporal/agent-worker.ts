import { hostname } from 'node:os';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker, type NativeConnectionOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/index.js';
import { createActivities } from '../../activities/index.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { tracingFromEnv, type Tracing } from '../telemetry/tracing.js';
import { agentBundleOptions, workerTelemetryOptions } from '../telemetry/worker-telemetry.js';
import type { ResolvedConnection } from './connection.js';
import { exoclawDataConverter } from './data-converter.js';
import { workflowSource } from './workflow-bundle.js';

export interface AgentWorkerOptions {
  connection: ResolvedConnection;
  taskQueue: string;
  deps: ActivityDeps;
  /** Overrides the bundle lookup (tests pass the bundle they built once). */
  workflowBundle?: { code: string } | { codePath: string };
  /** How long running activities get to finish on SIGTERM before they are handed back (default 10 s). */
  shutdownGraceTime?: string | number;
  identity?: string;
  maxConcurrentActivityTaskExecutions?: number;
  stickyQueueScheduleToStartTimeout?: string | number;
  /** Payload encryption keys (every worker and client of these workflows needs the same ones). */
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
}

export interface AgentWorkers {
  /** One Temporal worker per task queue, in the order given. */
  workers: Array<{ taskQueue: string; worker: Worker }>;
  /** The one connection they share. */
  connection: NativeConnection;
  identity: string;
}

/** A worker that runs the agent workflows and activities; stateless, so any number can run. */
export async function createAgentWorker(opts: AgentWorkerOptions): Promise<AgentWorker> {
  const { workers, connection, identity } = await createAgentWorkers({ ...opts, taskQueues: [opts.taskQueue] });
  return { worker: workers[0]!.worker, connection, identity };
}

/**
 * One Temporal worker per task queue (a Temporal worker polls exactly one), sharing one
 * connection, one set of activities over the same dependencies and one workflow bundle, so a
 * fleet can serve several queue names at once, e.g. an old and a new one during a migration.
 */
export async function createAgentWorkers(opts: Omit<AgentWorkerOptions, 'taskQueue'> & { taskQueues: readonly string[] }): Promise<AgentWorkers> {
  if (opts.taskQueues.length === 0) throw new Error('createAgentWorkers needs at least one task queue.');
  // Before connecting: a bad OTel setting fails here with nothing to close.
  const tracing = opts.tracing === undefined ? await tracingFromEnv() : (opts.tracing ?? undefined);
  const connection = await NativeConnection.connect({
    address: opts.connection.address,
    tls: opts.connection.tls as NativeConnectionOptions['tls'],
    apiKey: opts.connection.apiKey,
    metadata: opts.connection.metadata,
  });
  const identity = opts.identity ?? `${process.pid}@${hostname()}`;
  const workers: AgentWorkers['workers'] = [];
  try {
    const activities = createActivities(opts.deps);
    // Payloads are encrypted when keys are set; those still over 256 KiB go to the shared
    // state root instead of history. Codecs run in this process, outside the workflow
    // sandbox, so the workflow bundle needs nothing for them.
    const dataConverter = opts.dataConverter ?? exoclawDataConverter({ stateDir: opts.deps.stateDir, encryption: opts.encryption });
    const workflows = await sharedWorkflowSource(opts.workflowBundle, opts.taskQueues.length);
    for (const taskQueue of opts.taskQueues) {
      const worker = await Worker.create({
        // Metrics and trace interceptors, and the sinks the bundled workflows call (workflow spans, turn counts, session events).
        ...workerTelemetryOptions(tracing, { fromSource: 'workflowsPath' in workflows, events: opts.deps.events }),
        connection,
        namespace: opts.connection.namespace,
        taskQueue,
        identity,
        activities,
        dataConverter,
        ...workflows,
        shutdownGraceTime: opts.shutdownGraceTime ?? '10s',
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
    throw error;
  }
  return { workers, connection, identity };
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
