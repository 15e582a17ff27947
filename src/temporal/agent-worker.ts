import { hostname } from 'node:os';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type NativeConnectionOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/index.js';
import { createActivities } from '../../activities/index.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { tracingFromEnv, type Tracing } from '../telemetry/tracing.js';
import { workerTelemetryOptions } from '../telemetry/worker-telemetry.js';
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

/** A worker that runs the agent workflows and activities; stateless, so any number can run. */
export async function createAgentWorker(opts: AgentWorkerOptions): Promise<AgentWorker> {
  // Before connecting: a bad OTel setting fails here with nothing to close.
  const tracing = opts.tracing === undefined ? await tracingFromEnv() : (opts.tracing ?? undefined);
  const connection = await NativeConnection.connect({
    address: opts.connection.address,
    tls: opts.connection.tls as NativeConnectionOptions['tls'],
    apiKey: opts.connection.apiKey,
    metadata: opts.connection.metadata,
  });
  const identity = opts.identity ?? `${process.pid}@${hostname()}`;
  const workflows = opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : workflowSource();
  let worker: Worker;
  try {
    worker = await Worker.create({
      // Metrics and trace interceptors, and the sinks the bundled workflows call (workflow spans, turn counts).
      ...workerTelemetryOptions(tracing, { fromSource: 'workflowsPath' in workflows }),
      connection,
      namespace: opts.connection.namespace,
      taskQueue: opts.taskQueue,
      identity,
      activities: createActivities(opts.deps),
      // Payloads are encrypted when keys are set; those still over 256 KiB go to the shared
      // state root instead of history. Codecs run in this process, outside the workflow
      // sandbox, so the workflow bundle needs nothing for them.
      dataConverter: opts.dataConverter ?? exoclawDataConverter({ stateDir: opts.deps.stateDir, encryption: opts.encryption }),
      ...workflows,
      shutdownGraceTime: opts.shutdownGraceTime ?? '10s',
      maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions,
      // A killed worker keeps its workflows "sticky" until this runs out; the SDK's 10 s default
      // would add 10 s to every resume after a SIGKILL. 3 s still favours the cache under load.
      stickyQueueScheduleToStartTimeout: opts.stickyQueueScheduleToStartTimeout ?? '3s',
    });
  } catch (error) {
    // Worker.create does not close a connection it was handed.
    await connection.close();
    throw error;
  }
  return { worker, connection, identity };
}
