// Runs `temporal server start-dev` (SQLite) as a child process for tests, the demo and the
// bounce demo, or attaches to a server that is already running.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { devServerTuningFromEnv, TUNED_DEV_SERVER_DYNAMIC_CONFIG, type DevServerTuning } from './dev-server-tuning.js';
import { resolveTemporalCli } from './temporal-cli.js';

export interface DevServerOptions {
  /** Temporal CLI binary; defaults to resolveTemporalCli(). */
  cliPath?: string;
  /** SQLite file; a fresh temp file (deleted on stop) when omitted. */
  dbFile?: string;
  /** Frontend gRPC port; a free one when omitted. */
  port?: number;
  /** Serve the Web UI (default false: `--headless`). Implied by uiPort. */
  ui?: boolean;
  uiPort?: number;
  /** The Web UI's codec endpoint (`--ui-codec-endpoint`): the UI sends payloads there to be decoded. */
  uiCodecEndpoint?: string;
  /** Namespace to create and wait for (default "default"). */
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** `KEY=VALUE` pairs for `--dynamic-config-value` (VALUE is JSON); they come after the tuning's, so they win. */
  dynamicConfigValues?: string[];
  /**
   * 'tuned' (default, or $EXOCLAW_DEV_SERVER_TUNING): no fixed task-dispatch delay and eager
   * activities (see dev-server-tuning.ts); 'stock': Temporal's own defaults.
   */
  tuning?: DevServerTuning;
  /** `NAME=Type` pairs for `--search-attribute`. */
  searchAttributes?: string[];
  extraArgs?: string[];
  /** How long to wait for the namespace to answer (default 60 s). */
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL in stop() (default 5 s). */
  stopTimeoutMs?: number;
}

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  /** The dynamic config we started it with; undefined when attached to an external server. */
  tuning: DevServerTuning | undefined;
  uiUrl: string | undefined;
  namespace: string;
  /** SQLite file, or undefined when attached to an external server. */
  dbFile: string | undefined;
  /** The server child process; undefined when attached to an external server. */
  process: ChildProcess | undefined;
  /** Stops a server we started (SIGTERM, then SIGKILL); a no-op for an external one. */
  stop(): Promise<void>;
}

export class DevServerStartError extends Error {
  override readonly name = 'DevServerStartError';
}

const HOST = '127.0.0.1';
const TAIL_BYTES = 8_000;

/** A port that was free a moment ago (bind :0, read it, release it). */
export async function findFreePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port, timeout: 1_000 });
    const done = (open: boolean): void => {
      sock.destroy();
      resolve(open);
    };
    sock.once('connect', () => done(true));
    sock.once('timeout', () => done(false));
    sock.once('error', () => done(false));
  });
}

/** Resolves once `namespace` answers describeNamespace at `address`; throws on timeout or `abort()`. */
export async function waitForNamespace(
  address: string,
  namespace: string,
  timeoutMs: number,
  abort: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const [host = HOST, portText = ''] = splitHostPort(address);
  let lastError = 'gRPC port not open yet';
  while (Date.now() < deadline) {
    const reason = abort();
    if (reason) throw new DevServerStartError(reason);
    // Cheap TCP probe first: Connection.connect on a closed port is slow and noisy.
    if (await tcpOpen(host, Number(portText))) {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: 2_000 });
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      } finally {
        await connection?.close();
      }
    }
    await sleep(200);
  }
  throw new DevServerStartError(
    `Temporal at ${address} did not serve namespace "${namespace}" within ${timeoutMs} ms (last error: ${lastError})`,
  );
}

function splitHostPort(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), address.slice(i + 1)];
}

/** Starts a dev server on free ports and waits until its namespace is usable. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const cli = opts.cliPath ?? resolveTemporalCli();
  const namespace = opts.namespace ?? 'default';
  const port = opts.port ?? (await findFreePort());
  const ui = opts.ui ?? opts.uiPort !== undefined;
  const uiPort = ui ? (opts.uiPort ?? (await findFreePort())) : undefined;
  const tempDir = opts.dbFile ? undefined : mkdtempSync(join(tmpdir(), 'exoclaw-temporal-'));
  const dbFile = opts.dbFile ?? join(tempDir ?? '', 'temporal.sqlite');

  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(port), '--db-filename', dbFile];
  args.push('--namespace', namespace, '--log-level', opts.logLevel ?? 'warn');
  if (uiPort !== undefined) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (uiPort !== undefined && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  const tuning = opts.tuning ?? devServerTuningFromEnv();
  const dynamicConfig = [...(tuning === 'tuned' ? TUNED_DEV_SERVER_DYNAMIC_CONFIG : []), ...(opts.dynamicConfigValues ?? [])];
  for (const kv of dynamicConfig) args.push('--dynamic-config-value', kv);
  for (const kv of opts.searchAttributes ?? []) args.push('--search-attribute', kv);
  args.push(...(opts.extraArgs ?? []));

  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keepTail = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      spawnError = err; // e.g. ENOENT: there will be no 'exit'
      resolve();
    });
  });
  // Never leave an orphaned server behind if our process exits without calling stop().
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const cleanup = (): void => {
    process.removeListener('exit', killOnExit);
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (!spawnError && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // unref'd timer: a clean exit must not keep the caller alive for the grace period
      const grace = sleep(opts.stopTimeoutMs ?? 5_000, false, { ref: false });
      const graceful = await Promise.race([exited.then(() => true), grace]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    cleanup();
  };

  const address = `${HOST}:${port}`;
  try {
    await waitForNamespace(address, namespace, opts.startTimeoutMs ?? 60_000, () => {
      if (spawnError) return `could not run ${cli}: ${spawnError.message}`;
      if (child.exitCode !== null || child.signalCode !== null) {
        return `temporal server exited early (code ${child.exitCode}, signal ${child.signalCode})`;
      }
      return undefined;
    });
  } catch (err) {
    await stop();
    const msg = err instanceof Error ? err.message : String(err);
    // The codec endpoint carries its token: never print it.
    const shown = args.join(' ').replace(/\/token\/[^\s/]+/g, '/token/<token>');
    throw new DevServerStartError(`${msg}\n  command: ${cli} ${shown}\n  server output (tail):\n${tail}`);
  }

  return {
    address,
    tuning,
    uiUrl: uiPort === undefined ? undefined : `http://${HOST}:${uiPort}`,
    namespace,
    dbFile,
    process: child,
    stop,
  };
}

/**
 * Uses the server at `address` when given (e.g. $TEMPORAL_ADDRESS), after checking the
 * namespace answers; otherwise starts a dev server with `opts`.
 */
export async function connectOrStart(
  address: string | undefined,
  opts: DevServerOptions = {},
): Promise<DevServer> {
  if (!address) return startDevServer(opts);
  const namespace = opts.namespace ?? 'default';
  await waitForNamespace(address, namespace, opts.startTimeoutMs ?? 10_000);
  return { address, tuning: undefined, uiUrl: undefined, namespace, dbFile: undefined, process: undefined, stop: async () => {} };
}
