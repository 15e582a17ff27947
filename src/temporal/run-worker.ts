// Starts one agent worker (deps + Temporal worker) and stops it gracefully. Shared by the
// `worker` command and the local stack behind `npm start` / `npm run demo`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { loadEncryptionKeys } from '../encryption/load-encryption-keys.js';
import type { Logger } from '../logger.js';
import { tracingFromEnv } from '../telemetry/tracing.js';
import { execIsolationNotices } from '../tools/exec-isolation.js';
import { assertToolsConfined } from '../config/restrict-to-workspace.js';
import { createAgentWorkers } from './agent-worker.js';
import { explainConnectError } from './connect-error.js';
import type { ResolvedConnection } from './connection.js';
import { packageRoot } from '../package-root.js';
import { workflowSource } from './workflow-bundle.js';
import { createWorkerDeps } from './worker-deps.js';

export { explainConnectError, TemporalUnreachableError } from './connect-error.js';

export interface StartWorkerOptions {
  config: Config;
  connection: ResolvedConnection;
  /** One task queue, or several: one Temporal worker polls each, sharing the connection and activity dependencies. */
  taskQueue: string | readonly string[];
  logger: Logger;
  /** How long running activities may finish after a stop request before they are cancelled (default 10 s). */
  shutdownGraceTime?: string | number;
  identity?: string;
  /** A bundle built elsewhere (tests); default: dist/workflow-bundle.js when present, else the sources. */
  workflowBundle?: { code: string } | { codePath: string };
  /** Heartbeat period of long activities, ms (tests use a short one). */
  heartbeatIntervalMs?: number;
  /** Payload encryption keys; default: loaded from config.security.encryption and the environment. */
  encryption?: EncryptionKeyRing;
}

export interface RunningWorker {
  identity: string;
  /** The first task queue. */
  taskQueue: string;
  /** Every task queue polled. */
  taskQueues: string[];
  namespace: string;
  address: string;
  workspace: string;
  /** The runtime's state root, apart from the workspace. */
  stateDir: string;
  model: string;
  /** Where the workflow code came from, for the ready line. */
  workflows: string;
  /** "off", or which key encrypts and which keys decrypt (ids only), for the ready line. */
  encryption: string;
  /**
   * The Temporal workers' state (RUNNING, STOPPING, DRAINING, DRAINED, STOPPED, FAILED): the least
   * healthy one's, so RUNNING means every queue is polled.
   */
  state(): string;
  /** Each task queue's worker state. */
  queueStates(): Record<string, string>;
  /** Settles when the worker has stopped and its resources are closed; rejects on a fatal worker error. */
  done: Promise<void>;
  /** Graceful stop: no new tasks, running activities get the grace period, then are cancelled. Idempotent. */
  stop(): Promise<void>;
}

/** Connects, registers the agent workflows and activities, and starts polling. */
export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  const { config, connection, logger } = opts;
  const taskQueues = [...new Set(typeof opts.taskQueue === 'string' ? [opts.taskQueue] : opts.taskQueue)];
  if (taskQueues.length === 0) throw new Error('startWorker needs at least one task queue.');
  // A refusal that is the operator's to fix comes before anything connects.
  assertToolsConfined(config);
  // Bad keys fail here, before anything connects (ids and sources in the message, never key bytes).
  const encryption = opts.encryption ?? loadEncryptionKeys(config.security.encryption);
  // OTEL_EXPORTER_OTLP_ENDPOINT set: spans of workflows, activities, model calls and tool runs go there.
  const tracing = await tracingFromEnv();
  await checkTemporal(connection);
  const source = opts.workflowBundle ? undefined : workflowSource();
  const workflows = describeWorkflows(opts.workflowBundle, source, logger);
  const { deps, close: closeDeps } = await createWorkerDeps(config, { logger, encryption });
  logExecIsolation(config, logger);
  if (tracing) logger.info(`traces: ${tracing.describe}`);
  if (opts.heartbeatIntervalMs !== undefined) deps.heartbeatIntervalMs = opts.heartbeatIntervalMs;

  let agent;
  try {
    agent = await createAgentWorkers({
      connection,
      taskQueues,
      deps,
      encryption,
      workflowBundle: opts.workflowBundle ?? source?.workflowBundle,
      shutdownGraceTime: opts.shutdownGraceTime,
      identity: opts.identity,
      workerSettings: config.temporal.worker,
      tracing: tracing ?? null,
    });
  } catch (error) {
    await closeDeps();
    throw explainConnectError(error, connection);
  }
  const { workers, connection: nativeConnection, identity } = agent;
  const shutdownAll = (): void => {
    for (const { worker } of workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  };

  const runs = workers.map(({ taskQueue, worker }) =>
    worker.run().catch((error: unknown) => {
      logger.error({ taskQueue, err: error }, 'the worker for this task queue failed; stopping the others');
      throw error;
    }),
  );
  // One queue's worker ending (a fatal error) ends them all: the process exits and is replaced,
  // rather than serving some queues and silently not others.
  void Promise.race(runs.map((run) => run.then(shutdownAll, shutdownAll)));
  const done = Promise.allSettled(runs).then(async (results) => {
    await closeDeps().catch((error: unknown) => logger.warn({ err: error }, 'closing worker dependencies failed'));
    await nativeConnection.close().catch(() => undefined);
    await tracing?.flush().catch(() => undefined); // the last spans, before the process exits
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  });
  // `done` is awaited by stop() and by callers; this keeps an early fatal error from going unhandled.
  done.catch(() => undefined);

  const queueStates = (): Record<string, string> => Object.fromEntries(workers.map(({ taskQueue, worker }) => [taskQueue, worker.getState()]));
  return {
    identity,
    taskQueue: taskQueues[0]!,
    taskQueues,
    namespace: connection.namespace,
    address: connection.address,
    workspace: config.agents.defaults.workspace,
    stateDir: config.agents.defaults.stateDir,
    model: config.agents.defaults.model,
    workflows,
    encryption: describeEncryption(encryption, config.security.encryption.blobs),
    state: () => leastHealthy(Object.values(queueStates())),
    queueStates,
    done,
    stop: async () => {
      // The Temporal runtime also reacts to SIGINT/SIGTERM; whoever comes first shuts down.
      shutdownAll();
      await done;
    },
  };
}

/** Worker states from the least to the most healthy. */
const STATE_ORDER = ['FAILED', 'STOPPED', 'DRAINED', 'DRAINING', 'STOPPING', 'INITIALIZED', 'RUNNING'];

function leastHealthy(states: readonly string[]): string {
  const rank = (state: string): number => {
    const index = STATE_ORDER.indexOf(state);
    return index < 0 ? -1 : index;
  };
  return states.reduce((worst, state) => (rank(state) < rank(worst) ? state : worst));
}

/** "exec isolation: bwrap (…)" — which isolation this worker's exec has (the probe already ran with the tools). */
function logExecIsolation(config: Config, logger: Logger): void {
  const exec = config.tools.exec;
  const notices = execIsolationNotices(exec, {
    sandboxUrl: exec.sandbox.enabled ? exec.sandbox.url : undefined,
    workspace: config.agents.defaults.workspace,
    configFile: config.sourcePath,
  });
  for (const notice of notices) logger[notice.level](notice.message);
}

/**
 * Fails fast, with a readable message, when Temporal is unreachable or the namespace is missing
 * (Worker.create would otherwise retry a missing namespace for half a minute).
 */
export async function checkTemporal(connection: ResolvedConnection): Promise<void> {
  let native: NativeConnection | undefined;
  try {
    native = await NativeConnection.connect({
      address: connection.address,
      tls: connection.tls as NativeConnectionOptions['tls'],
      apiKey: connection.apiKey,
      metadata: connection.metadata,
    });
    await native.workflowService.describeNamespace({ namespace: connection.namespace });
  } catch (error) {
    throw explainConnectError(error, connection);
  } finally {
    await native?.close().catch(() => undefined);
  }
}

function describeEncryption(keys: EncryptionKeyRing | undefined, blobs: boolean): string {
  if (!keys) return 'off';
  const others = keys.keyIds.filter((id) => id !== keys.activeKeyId);
  const decrypts = others.length > 0 ? `, also decrypts with ${others.map((id) => `"${id}"`).join(', ')}` : '';
  return `payloads${blobs ? ' and blobs' : ''} encrypted with key "${keys.activeKeyId}"${decrypts}`;
}

function describeWorkflows(
  given: StartWorkerOptions['workflowBundle'],
  source: ReturnType<typeof workflowSource> | undefined,
  logger: Logger,
): string {
  if (given) return 'codePath' in given ? `bundle ${given.codePath}` : 'bundle (in memory)';
  const bundle = source?.workflowBundle;
  if (bundle && 'codePath' in bundle) {
    const stale = newerWorkflowSource(bundle.codePath);
    if (stale) {
      logger.warn(
        { bundle: bundle.codePath, newerSource: stale },
        'The pre-built workflow bundle is older than the workflow sources; run `npm run build:workflows` to rebuild it.',
      );
    }
    return `pre-built bundle ${bundle.codePath}`;
  }
  return 'bundled from source at start-up (`npm run build:workflows` makes this instant)';
}

/** A workflow-side source file newer than the bundle (only where the sources ship, i.e. a clone). */
function newerWorkflowSource(bundlePath: string): string | undefined {
  let bundleTime: number;
  try {
    bundleTime = statSync(bundlePath).mtimeMs;
  } catch {
    return undefined;
  }
  const root = packageRoot();
  for (const dir of [join(root, 'workflows'), join(root, 'src', 'core'), join(root, 'src', 'contract')]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith('.ts')) continue;
      const file = join(dir, name);
      try {
        if (statSync(file).mtimeMs > bundleTime) return file;
      } catch {
        // vanished meanwhile: not stale
      }
    }
  }
  return undefined;
}
