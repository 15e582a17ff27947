// Everything needed to try exoclaw-temporal on one machine: a Temporal dev server with SQLite
// under <project>/.exoclaw, its Web UI, the scripted LLM when no API key is set, and one
// in-process worker. Used by `npm start` (exoclaw-temporal up) and `npm run demo`.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { localStateDir, localWorkspace } from '../../src/config/local-stack-defaults.js';
import { loadEncryptionKeys } from '../../src/encryption/load-encryption-keys.js';
import { chooseLogFormat, type LogFormat } from '../../src/log-format.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../scripted-llm/index.js';
import { connectClient, ExoclawClient } from '../../src/temporal/client.js';
import { DEFAULT_NAMESPACE, type ResolvedConnection } from '../../src/temporal/connection.js';
import { connectOrStart, findFreePort, startDevServer, waitForNamespace, type DevServer } from './dev-server.js';
import { newCodecToken } from '../../src/codec-server/codec-access.js';
import { startCodecServer, type CodecServer } from '../../src/codec-server/codec-server.js';
import type { EncryptionKeyRing } from '../../src/encryption/encryption-key-ring.js';
import { startWorker, type RunningWorker } from '../../src/temporal/run-worker.js';
import { channelsConfig } from '../../src/channels/channel-config.js';
import { startChannels, type RunningChannels } from '../../src/channels/channels-runner.js';
import { DEFAULT_CHANNELS_PORT } from '../../src/cli/channels-command.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { packageRoot } from '../../src/package-root.js';
import { installTemporalLogging } from '../../src/temporal/temporal-logging.js';
import { parseTemporalAddress } from '../../src/temporal/temporal-address.js';
import { workflowUrl } from '../../src/temporal/web-ui.js';
import { startLocalGateway, type LocalGateway } from './local-gateway.js';

export { localWorkspace, workflowUrl };

export const DEFAULT_TEMPORAL_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;
export const DEFAULT_CODEC_PORT = 8234;
/** Where the local stack keeps its codec token (in the stack's git-ignored root, private to the user). */
export const CODEC_TOKEN_FILE = 'codec-token';

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
   * Frontend port. Omitted: 7233 when free, else a free port (a Temporal server already there is
   * refused unless `attach`). 0: always start a new server on a free port.
   */
  port?: number;
  /**
   * Use a Temporal server already listening on the port (`up --attach`). Without it, a server this
   * stack did not start is refused: it may be another project's.
   */
  attach?: boolean;
  /** Web UI port. Omitted: 8233 when free, else a free port. 0: a free port. */
  uiPort?: number;
  /**
   * Run a codec server for the Web UI (default true with a UI we start): the UI then shows
   * decrypted payloads and the messages behind message references.
   */
  codec?: boolean;
  /** Codec server port. Omitted: 8234 when free, else a free port. 0: a free port. */
  codecPort?: number;
  /** Run the gateway (HTTP API, OpenAI-compatible endpoint, web chat page) in this process (default true). */
  gateway?: boolean;
  /** Gateway port. Omitted: 8787 when free, else a free port. 0: a free port. */
  gatewayPort?: number;
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
  /** The codec server the Web UI decodes payloads through, when the stack started one. */
  codec: CodecServer | undefined;
  /** The gateway and the local user's token, unless turned off. */
  gateway: LocalGateway | undefined;
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
  /** The chat channels enabled in the config (docs/channels.md), when any. */
  channels: RunningChannels | undefined;
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
  const stateDir = localStateDir(baseConfig, workspace);
  try {
    const { server, codec } = await temporalServer(opts, root, namespace, env, progress, { stateDir, encryption, logger }, cleanups);
    cleanups.push(() => server.stop());

    const config: Config = structuredClone(baseConfig);
    config.agents.defaults.workspace = workspace;
    config.agents.defaults.stateDir = stateDir;
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
    let gateway: LocalGateway | undefined;
    if (opts.gateway !== false) {
      gateway = await startLocalGateway({ config, client: client.client, taskQueue, root, port: opts.gatewayPort, logger });
      cleanups.push(() => gateway!.close());
      progress(`Gateway ready at ${gateway.gateway.url} (web chat page, HTTP API, OpenAI-compatible /v1)`);
    }
    const channels = await startConfiguredChannels(config, new SessionClient(client.client, taskQueue), logger, progress);
    if (channels) cleanups.push(() => channels.close());

    let stopping: Promise<void> | undefined;
    return {
      root,
      address: server.address,
      namespace,
      uiUrl: server.uiUrl,
      codec,
      gateway,
      taskQueue,
      workspace,
      model: config.agents.defaults.model,
      startedServer: server.process !== undefined,
      server,
      llm,
      worker,
      client,
      channels,
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

/** The enabled channels, in this process (on the channels command's default port, else any free one). */
async function startConfiguredChannels(
  config: Config,
  sessions: SessionClient,
  logger: Logger,
  progress: (line: string) => void,
): Promise<RunningChannels | undefined> {
  if (Object.keys(channelsConfig(config)).length === 0) return undefined;
  const opts = { host: LOOPBACK, logger };
  const channels = await startChannels(config, sessions, { ...opts, port: DEFAULT_CHANNELS_PORT }).catch(() =>
    startChannels(config, sessions, { ...opts, port: 0 }),
  );
  progress(`Channels ready: ${channels.adapters.join(', ')} (HTTP ${channels.url})`);
  return channels;
}

interface CodecSetup {
  stateDir: string;
  encryption: EncryptionKeyRing | undefined;
  logger: Logger;
}

async function temporalServer(
  opts: LocalStackOptions,
  root: string,
  namespace: string,
  env: Record<string, string | undefined>,
  progress: (line: string) => void,
  codecSetup: CodecSetup,
  cleanups: Array<() => Promise<void>>,
): Promise<{ server: DevServer; codec: CodecServer | undefined }> {
  const external = opts.port === undefined ? (opts.address ?? nonEmpty(env['TEMPORAL_ADDRESS'])) : undefined;
  if (external) {
    const { address } = parseTemporalAddress(external, opts.address ? 'the Temporal address' : 'TEMPORAL_ADDRESS');
    progress(`Using the Temporal server at ${address} (TEMPORAL_ADDRESS)…`);
    return { server: await connectOrStart(address, { namespace }), codec: undefined };
  }
  const wanted = opts.port === undefined ? DEFAULT_TEMPORAL_PORT : opts.port;
  if (wanted !== 0 && !(await portIsFree(wanted))) {
    const address = `localhost:${wanted}`;
    const isTemporal = await waitForNamespace(address, namespace, 5_000).then(
      () => true,
      () => false,
    );
    if (isTemporal && opts.attach) {
      const uiPort = wanted + 1000;
      const uiUrl = (await portIsFree(uiPort)) ? undefined : `http://localhost:${uiPort}`;
      progress(`Attaching to the Temporal server already running at ${address} (--attach)${uiUrl ? `, Web UI ${uiUrl}` : ''}`);
      return { server: { address, tuning: undefined, uiUrl, namespace, dbFile: undefined, process: undefined, stop: async () => {} }, codec: undefined };
    }
    if (isTemporal) {
      throw new PortInUseError(
        `Port ${wanted} already has a Temporal server that this command did not start (another project's, or an ` +
          `earlier \`npm start\` still running). Stop it, pass --attach to use it anyway (its workflows and task ` +
          `queues are shared with whoever else uses it), or --port 0 to start a new server on a free port.`,
      );
    }
    if (opts.port !== undefined) {
      throw new PortInUseError(`Port ${wanted} is in use by something that is not a Temporal server. Choose another --port, or --port 0 for a free one.`);
    }
    progress(`Port ${DEFAULT_TEMPORAL_PORT} is taken by something that is not Temporal; using a free port instead.`);
  }
  const port = opts.port === undefined && (await portIsFree(DEFAULT_TEMPORAL_PORT)) ? DEFAULT_TEMPORAL_PORT : opts.port || undefined;
  const ui = opts.ui ?? true;
  let uiPort: number | undefined;
  if (ui) {
    uiPort = opts.uiPort === undefined && (await portIsFree(DEFAULT_UI_PORT)) ? DEFAULT_UI_PORT : opts.uiPort || (await findFreePort(LOOPBACK));
  }
  // The codec server comes first: the UI is told its endpoint when it starts, and it allows the UI's origin.
  let codec: CodecServer | undefined;
  if (uiPort !== undefined && opts.codec !== false) {
    const codecOptions = {
      host: LOOPBACK,
      token: codecToken(root),
      uiOrigins: [`http://${LOOPBACK}:${uiPort}`, `http://localhost:${uiPort}`],
      ...codecSetup,
    };
    if (opts.codecPort === undefined) {
      // 8234 when free; taken meanwhile (another stack starting), any free port.
      codec = await startCodecServer({ ...codecOptions, port: DEFAULT_CODEC_PORT }).catch(() => startCodecServer({ ...codecOptions, port: 0 }));
    } else {
      codec = await startCodecServer({ ...codecOptions, port: opts.codecPort });
    }
    cleanups.push(() => codec!.close());
    progress(`Codec server ready at ${codec.url}: the Web UI shows conversation text through it`);
  }
  const dbFile = join(root, 'temporal.db');
  progress(`Starting a Temporal dev server (history kept in ${displayPath(dbFile)})…`);
  const server = await startDevServer({ dbFile, port, ui, uiPort, namespace, uiCodecEndpoint: codec?.uiEndpoint });
  const notDefault = opts.port === undefined && port === undefined ? ` (port ${DEFAULT_TEMPORAL_PORT} was busy)` : '';
  progress(`Temporal dev server ready at ${server.address}${notDefault}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}`);
  return { server, codec };
}

/**
 * The local stack's codec token, kept in its root (private to the user) so the endpoint stays the
 * same across restarts. Anyone who can open the local Web UI can read it from the UI's settings:
 * the same people who can already drive the agent through the dev server, which has no auth.
 */
function codecToken(root: string): string {
  const file = join(root, CODEC_TOKEN_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(stored)) return stored;
  } catch {
    // none yet
  }
  const token = newCodecToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/** The port `up` was to use is taken: by a Temporal server it did not start, or by something else. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
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
