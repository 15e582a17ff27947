// Test-side access to the shared Temporal dev server and workflow bundle made by
// test/global-setup.ts. Import from test files only.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { afterAll, inject } from 'vitest';
import { workerTelemetryOptions } from '../../src/telemetry/worker-telemetry.js';

// Worker state changes are logged at INFO; keep test output readable unless asked.
try {
  const level = (process.env['TEMPORAL_TEST_LOG_LEVEL'] ?? 'WARN') as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
} catch {
  // A Runtime already exists in this process (installed by the test itself): keep it.
}

export interface TestEnv {
  address: string;
  namespace: string;
  connection: Connection;
  client: Client;
  /** Pass to Worker.create({ workflowBundle }): workflows are never re-bundled per test. */
  workflowBundle: { codePath: string };
}

let envPromise: Promise<TestEnv> | undefined;

/** The shared server's client, created once per test file and closed after it. */
export function getTestEnv(): Promise<TestEnv> {
  envPromise ??= (async () => {
    const address = inject('temporalAddress');
    const namespace = inject('temporalNamespace');
    const connection = await Connection.connect({ address });
    return {
      address,
      namespace,
      connection,
      client: new Client({ connection, namespace }),
      workflowBundle: { codePath: inject('workflowBundlePath') },
    };
  })();
  return envPromise;
}

// Registered at import time, so every test file using this helper closes its gRPC
// connection (an open one would keep the fork alive).
afterAll(async () => {
  const env = await envPromise;
  envPromise = undefined;
  await env?.connection.close();
});

/** A task queue no other test shares, so tests never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export type TestWorkerOptions = Partial<Omit<WorkerOptions, 'connection' | 'namespace'>>;

export interface WorkerContext {
  env: TestEnv;
  taskQueue: string;
  worker: Worker;
}

/**
 * Runs `fn` while a worker (pre-built bundle + the given activities) polls a fresh task
 * queue on the shared server; shuts the worker down cleanly afterwards, even if `fn` throws.
 */
export async function withWorker<T>(
  opts: TestWorkerOptions,
  fn: (ctx: WorkerContext) => Promise<T>,
): Promise<T> {
  const env = await getTestEnv();
  const taskQueue = opts.taskQueue ?? uniqueTaskQueue();
  const connection = await NativeConnection.connect({ address: env.address });
  try {
    const worker = await Worker.create({
      workflowBundle: env.workflowBundle,
      shutdownGraceTime: '2s',
      // The sinks the bundled workflows call (workflow spans, turn counts) and the metrics interceptor, as on real workers.
      ...workerTelemetryOptions(undefined),
      ...opts,
      connection,
      namespace: env.namespace,
      taskQueue,
    });
    return await worker.runUntil(() => fn({ env, taskQueue, worker }));
  } finally {
    await connection.close();
  }
}
