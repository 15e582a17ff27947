// Everything needed to try exoclaw-temporal on one machine: a Temporal dev server with SQLite
// under <project>/.exoclaw, its Web UI, the scripted LLM when no API key is set, and one
// in-process worker. Used by `npm start` (exoclaw-temporal up) and `npm run demo`.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { defaultStateDir, loadConfig, type Config } from '../../src/config.js';
import { loadEncryptionKeys } from '../../src/encryption/load-encryption-keys.js';
import { chooseLogFormat, type LogFormat } from '../../src/log-format.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../scripted-llm/index.js';
import { connectClient, ExoclawClient } from '../../src/temporal/client.js';
import { DEFAULT_NAMESPACE, type ResolvedConnection } from '../../src/temporal/connection.js';
import { connectOrStart, startDevServer, waitForNamespace, type DevServer } from './dev-server.js';
import { startWorker, type RunningWorker } from '../../src/temporal/run-worker.js';
import { packageRoot } from '../../src/package-root.js';
import { installTemporalLogging } from '../../src/temporal/temporal-logging.js';

export const DEFAULT_TEMPORAL_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;

export interface LocalStackOptions {
  /** Where the SQLite file and the default workspace live (default <project>/.exoclaw, git-ignored). */
  root?: string;
  /** Serve the Temporal Web UI (default true). */
  ui?: boolean;
  /** The worker's structured logger (default: pino on stderr at EXOCLAW_LOG_LEVEL, else warn, in `logFormat`). */
  logger?: Logger;
  /** Format of the default logger (default: EXOCLAW_LOG_FORMAT, else pretty on a terminal, JSON otherwise). */
  logFormat?: LogFormat;
  /** Human-readable progress lines (default: none). */
  progress?: (line: string) => void;
  /**
   * Frontend port. Omitted: reuse a server already answering on 7233, else start one there,
   * else on a free port. 0: always start a new server on a free port.
   */
  port?: number;
  /** Web UI port. Omitted: 8233 when free, else a free port. 0: a free port. */
  uiPort?: number;
  /** Use this running Temporal instead of starting one (default $TEMPORAL_ADDRESS; ignored when `port` is given). */
  address?: string;
  /** Config file (default $EXOCLAW_CONFIG, else ~/.nanobot/config.json if present). */
  configPath?: string;
  /** Workspace volume (default: the configured one, else <root>/workspace). */
  workspace?: string;
  model?: string;
  taskQueue?: string;
  /** Environment for the config loader (default process.env). */
  env?: Record<string, string | undefined>;
  /** Pre-built workflow bundle (tests); default as for any worker. */
  workflowBundle?: { code: string } | { codePath: string };
  /** Grace period for running activities when the stack stops (default 3s). */
  shutdownGraceTime?: string | number;
}

export interface LocalStack {
  root: string;
  address: string;
  namespace: string;
  /** Web UI base URL, when known. */
  uiUrl: string | undefined;
  taskQueue: string;
  workspace: string;
  model: string;
  /** True when this stack started the dev server (false: reused a running one). */
  startedServer: boolean;
  server: DevServer;
  /** The scripted LLM server, when no real model is configured. */
  llm: ScriptedLlmServer | undefined;
  worker: RunningWorker;
  client: ExoclawClient;
  config: Config;
  /** The logger the stack's worker writes to. */
  logger: Logger;
  /** Web UI link to one workflow run (undefined without a UI). */
  workflowUrl(workflowId: string, runId?: string): string | undefined;
  /** Stops the worker, the scripted LLM and a dev server we started. Idempotent. */
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** Brings the stack up; on failure, whatever was already started is stopped again. */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const root = resolve(opts.root ?? join(packageRoot(), '.exoclaw'));
  mkdirSync(root, { recursive: true });
  const progress = opts.progress ?? (() => undefined);
  const env = opts.env ?? process.env;
  const logger =
    opts.logger ??
    createLogger({ level: env['EXOCLAW_LOG_LEVEL'] ?? 'warn', format: opts.logFormat ?? chooseLogFormat({ env }) });

  const baseConfig = loadConfig({
    path: opts.configPath,
    env,
    overrides: { agents: { defaults: { model: opts.model } } },
    onWarning: (message) => logger.warn(message),
  });
  const workspace = opts.workspace ? resolve(opts.workspace) : localWorkspace(baseConfig, root, env);
  const encryption = loadEncryptionKeys(baseConfig.security.encryption, { env });
  const namespace = baseConfig.temporal.namespace ?? DEFAULT_NAMESPACE;
  const taskQueue = opts.taskQueue ?? baseConfig.temporal.taskQueue;

  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const server = await temporalServer(opts, root, namespace, env, progress);
    cleanups.push(() => server.stop());

    const config: Config = structuredClone(baseConfig);
    config.agents.defaults.workspace = workspace;
    config.agents.defaults.stateDir = localStateDir(baseConfig, workspace);
    let llm: ScriptedLlmServer | undefined;
    if (isScriptedModel(config.agents.defaults.model) && !configuredScriptedBase(config)) {
      llm = await startScriptedLlmServer();
      cleanups.push(() => llm!.close());
      config.providers = {
        ...config.providers,
        scripted: { ...config.providers['scripted'], apiBase: llm.url },
        'scripted-anthropic': { ...config.providers['scripted-anthropic'], apiBase: llm.url },
      };
      progress(
        hasApiKey(config)
          ? `Model ${config.agents.defaults.model}: using the scripted LLM server at ${llm.url} — answers are scripted, not a real model`
          : `No API key found: using the scripted LLM server at ${llm.url} — answers are scripted, not a real model ` +
              '(set ANTHROPIC_API_KEY or OPENAI_API_KEY for a real one)',
      );
    } else {
      progress(`Model: ${config.agents.defaults.model}`);
    }

    const connection: ResolvedConnection = { address: server.address, namespace };
    progress(`Starting a worker on task queue "${taskQueue}" (workspace ${displayPath(workspace)})…`);
    installTemporalLogging(logger);
    const worker = await startWorker({
      config,
      connection,
      taskQueue,
      logger,
      shutdownGraceTime: opts.shutdownGraceTime ?? '3s',
      workflowBundle: opts.workflowBundle,
      encryption,
    });
    cleanups.push(() => worker.stop());
    const client = new ExoclawClient(await connectClient(connection, { stateDir: config.agents.defaults.stateDir, encryption }), taskQueue);
    cleanups.push(() => client.close());

    let stopping: Promise<void> | undefined;
    return {
      root,
      address: server.address,
      namespace,
      uiUrl: server.uiUrl,
      taskQueue,
      workspace,
      model: config.agents.defaults.model,
      startedServer: server.process !== undefined,
      server,
      llm,
      worker,
      client,
      config,
      logger,
      workflowUrl: (workflowId, runId) => workflowUrl(server.uiUrl, namespace, workflowId, runId),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** `<ui>/namespaces/<ns>/workflows/<id>[/<run>/history]`. */
export function workflowUrl(uiUrl: string | undefined, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!uiUrl) return undefined;
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/**
 * The local stack's workspace: the configured one when the user chose it (EXOCLAW_WORKSPACE or
 * a config file), otherwise `<root>/workspace`, so trying things out never touches ~/.exoclaw.
 */
export function localWorkspace(config: Config, root: string, env: Record<string, string | undefined> = process.env): string {
  const builtInDefault = join(env['HOME'] || homedir(), '.exoclaw', 'workspace');
  const configured = config.agents.defaults.workspace;
  return configured === builtInDefault ? join(root, 'workspace') : configured;
}

/** The state root beside the local workspace, unless the user configured one. */
function localStateDir(config: Config, workspace: string): string {
  const configured = config.agents.defaults.stateDir;
  return configured === defaultStateDir(config.agents.defaults.workspace) ? defaultStateDir(workspace) : configured;
}

async function temporalServer(
  opts: LocalStackOptions,
  root: string,
  namespace: string,
  env: Record<string, string | undefined>,
  progress: (line: string) => void,
): Promise<DevServer> {
  const external = opts.port === undefined ? (opts.address ?? nonEmpty(env['TEMPORAL_ADDRESS'])) : undefined;
  if (external) {
    progress(`Using the Temporal server at ${external} (TEMPORAL_ADDRESS)…`);
    return connectOrStart(external, { namespace });
  }
  if (opts.port === undefined) {
    const address = `localhost:${DEFAULT_TEMPORAL_PORT}`;
    if (!(await portIsFree(DEFAULT_TEMPORAL_PORT))) {
      try {
        await waitForNamespace(address, namespace, 5_000);
        const uiUrl = (await portIsFree(DEFAULT_UI_PORT)) ? undefined : `http://localhost:${DEFAULT_UI_PORT}`;
        progress(`Reusing the Temporal server already running at ${address}${uiUrl ? ` (Web UI ${uiUrl})` : ''}`);
        return { address, uiUrl, namespace, dbFile: undefined, process: undefined, stop: async () => {} };
      } catch {
        progress(`Port ${DEFAULT_TEMPORAL_PORT} is taken by something that is not Temporal; using a free port instead.`);
      }
    }
  }
  const port = opts.port === undefined && (await portIsFree(DEFAULT_TEMPORAL_PORT)) ? DEFAULT_TEMPORAL_PORT : opts.port || undefined;
  const ui = opts.ui ?? true;
  let uiPort: number | undefined;
  if (ui) uiPort = opts.uiPort === undefined && (await portIsFree(DEFAULT_UI_PORT)) ? DEFAULT_UI_PORT : opts.uiPort || undefined;
  const dbFile = join(root, 'temporal.db');
  progress(`Starting a Temporal dev server (history kept in ${displayPath(dbFile)})…`);
  const server = await startDevServer({ dbFile, port, ui, uiPort, namespace });
  const notDefault = opts.port === undefined && port === undefined ? ` (port ${DEFAULT_TEMPORAL_PORT} was busy)` : '';
  progress(`Temporal dev server ready at ${server.address}${notDefault}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}`);
  return server;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, LOOPBACK, () => probe.close(() => resolvePort(true)));
  });
}

function isScriptedModel(model: string): boolean {
  return /^scripted(-anthropic)?\//i.test(model.trim());
}

/** A scripted server is already set up: `providers.<scripted>.apiBase`, or its URL variable (folded in by the loader). */
function configuredScriptedBase(config: Config): boolean {
  const provider = config.agents.defaults.model.split('/')[0]?.toLowerCase() ?? '';
  return Boolean(nonEmpty(config.providers[provider]?.apiBase));
}

/** Any provider key, from the config file or (folded in by the loader) its environment variable. */
function hasApiKey(config: Config): boolean {
  return Object.values(config.providers).some((p) => nonEmpty(p.apiKey));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() ? value : undefined;
}

/** Paths inside the current directory are shown relative: shorter and copy-pasteable. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}
