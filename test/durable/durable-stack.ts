// A real durable stack for tests: scripted LLM server over HTTP, a temp workspace, the
// worker's real activity dependencies, and a worker on the shared Temporal dev server.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { EncryptionKeyRing } from '../../src/encryption/encryption-key-ring.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { ExoclawClient } from '../../src/temporal/client.js';
import { exoclawDataConverter } from '../../src/temporal/data-converter.js';
import { workerTelemetryOptions } from '../../src/telemetry/worker-telemetry.js';
import { createWorkerDeps } from '../../src/temporal/worker-deps.js';
import { getTestEnv, uniqueTaskQueue, withWorker, type TestWorkerOptions } from '../helpers/temporal.js';

export interface DurableStack {
  llm: ScriptedLlmServer;
  workspace: string;
  /** The runtime's state root (session logs, blobs, journal, leases), beside the workspace. */
  stateDir: string;
  config: Config;
  deps: ActivityDeps;
  client: Client;
  taskQueue: string;
  exoclaw: ExoclawClient;
  /** Starts AgentTurnWorkflow with any input, valid or not (the typed client only takes valid ones). */
  startRawTurn(input: unknown, workflowId?: string): Promise<WorkflowHandle>;
  /** Path of a session's JSONL file on the workspace. */
  sessionFile(sessionId: string): Promise<string>;
  /** Runs fn while a worker with the real activities polls this stack's task queue. */
  withAgentWorker<T>(fn: () => Promise<T>, opts?: TestWorkerOptions): Promise<T>;
  close(): Promise<void>;
}

export interface DurableStackOptions {
  /** Environment the config is loaded from (HOME is the temp workspace). */
  env?: Record<string, string>;
  /** Merged per provider over the scripted provider's settings (a function gets the scripted server's URL). */
  providers?: Config['providers'] | ((llmUrl: string) => Config['providers']);
  /** Where activity and provider logs go (default: warn level to stderr). */
  logger?: Logger;
  /** Extra config overrides, deep-merged over the stack's own. */
  overrides?: Record<string, unknown>;
  /** Heartbeat interval of long activities (default 200 ms). */
  heartbeatIntervalMs?: number;
  /**
   * Payload encryption keys: the stack's client and worker then use the production data
   * converter (codec + workspace external storage) and its blob store encrypts.
   */
  encryption?: EncryptionKeyRing;
}

export async function startDurableStack(opts: DurableStackOptions = {}): Promise<DurableStack> {
  const llm = await startScriptedLlmServer();
  // The agent's workspace and the runtime's state root, side by side as in production.
  const base = await mkdtemp(join(tmpdir(), 'exoclaw-durable-'));
  const workspace = join(base, 'workspace');
  const stateDir = join(base, 'state');
  await mkdir(workspace);
  const config = loadConfig({
    env: { HOME: base, ...opts.env },
    overrides: deepMerge(
      {
        agents: { defaults: { workspace, stateDir, model: 'scripted/scripted-llm' } },
        providers: { scripted: { apiBase: llm.url } },
        tools: { exec: { timeout: 30 } },
      },
      { providers: (typeof opts.providers === 'function' ? opts.providers(llm.url) : opts.providers) ?? {}, ...opts.overrides },
    ),
    onWarning: () => undefined,
  });
  const logger = opts.logger ?? createLogger({ level: 'warn' });
  const { deps, close } = await createWorkerDeps(config, { logger, encryption: opts.encryption });
  // Fast heartbeats so cancellation and progress show up quickly in tests.
  deps.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 200;
  const env = await getTestEnv();
  const taskQueue = uniqueTaskQueue('durable');
  const dataConverter = opts.encryption ? exoclawDataConverter({ stateDir, encryption: opts.encryption }) : undefined;
  const client = dataConverter ? new Client({ connection: env.connection, namespace: env.namespace, dataConverter }) : env.client;
  return {
    llm,
    workspace,
    stateDir,
    config,
    deps,
    client,
    taskQueue,
    exoclaw: new ExoclawClient(client, taskQueue),
    startRawTurn: (input, workflowId) =>
      client.workflow.start('AgentTurnWorkflow', {
        taskQueue,
        workflowId: workflowId ?? `raw-turn-${randomUUID()}`,
        args: [input],
      }),
    sessionFile: async (sessionId) => {
      const sessions = await deps.conversation.listSessions();
      const found = sessions.find((info) => info.key === sessionId);
      if (!found?.path) throw new Error(`no session file for ${sessionId}`);
      return found.path;
    },
    withAgentWorker: (fn, workerOpts = {}) =>
      withWorker(
        // The session event sinks publish to the stack's stream, as on a real worker.
        { taskQueue, activities: createActivities(deps), dataConverter, sinks: workerTelemetryOptions(undefined, { events: deps.events }).sinks, ...workerOpts },
        () => fn(),
      ),
    close: async () => {
      // Memory consolidation may still be writing to the workspace in the background.
      await (deps.conversation as { whenIdle?: () => Promise<void> }).whenIdle?.();
      await close();
      await llm.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
