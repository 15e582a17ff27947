import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_DENY_RULES, checkCommand } from './command-guard.js';
import { scrubEnvironment } from './exec-env.js';
import { runProcess } from './process-runner.js';
import { SandboxRequestSchema } from './sandbox-client.js';
import { WorkspacePathError, resolveWorkspacePath } from '../workspace/workspace-path.js';

/**
 * The tiny HTTP server that runs inside a sandbox pod (and in tests): `POST /execute` runs one
 * command with the same process runner as local exec, confined to `root` as its workspace.
 * `GET /healthz` answers 200 for probes. If the client disconnects (the agent cancelled), the
 * command's process group is killed.
 *
 * Run it in a pod: `node --import tsx src/tools/sandbox-runner.ts` with PORT and SANDBOX_ROOT.
 */

export interface SandboxRunnerOptions {
  /** 0 picks a free port. */
  port: number;
  /** The workspace inside the sandbox; commands run here or below. */
  root: string;
  /** Interface to listen on (default 0.0.0.0 in a pod; tests use 127.0.0.1). */
  host?: string;
  /** Bytes of stdout/stderr kept per command (default 10,000 each). */
  maxOutputBytes?: number;
  /** Longest timeout a request may ask for, in seconds (default 600). */
  maxTimeoutSeconds?: number;
  /** Requests larger than this are refused (default 1 MB). */
  maxBodyBytes?: number;
  /** Time between SIGTERM and SIGKILL (default 1 s). */
  killGraceMs?: number;
}

export interface SandboxRunner {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startSandboxRunner(opts: SandboxRunnerOptions): Promise<SandboxRunner> {
  const root = path.resolve(opts.root);
  const server = createServer((req, res) => {
    handle(req, res, opts, root).catch((error: unknown) => {
      sendJson(res, 500, { error: `internal error in the sandbox runner: ${(error as Error).message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: SandboxRunnerOptions, root: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://runner');
  if (req.method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (url.pathname !== '/execute') return sendJson(res, 404, { error: 'not found: use POST /execute' });
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST /execute' });

  const raw = await readBody(req, opts.maxBodyBytes ?? 1024 * 1024);
  if (raw === undefined) return sendJson(res, 413, { error: 'request body too large' });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return sendJson(res, 400, { error: 'request body is not JSON' });
  }
  const parsed = SandboxRequestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return sendJson(res, 400, { error: `invalid exec request: ${problems}` });
  }
  const body = parsed.data;
  const maxTimeout = opts.maxTimeoutSeconds ?? 600;
  if (body.timeoutSeconds > maxTimeout) {
    return sendJson(res, 400, { error: `timeoutSeconds ${body.timeoutSeconds} is above this sandbox's limit of ${maxTimeout}` });
  }
  // The same speed bump as on the worker, in case a client skips it.
  const refusal = checkCommand(body.command, DEFAULT_DENY_RULES);
  if (refusal) return sendJson(res, 400, { error: refusal.replace(/^Error: /, '') });

  let cwd: string;
  try {
    cwd = (await resolveWorkspacePath(root, body.workingDir, 'cwd')).real;
  } catch (error) {
    if (error instanceof WorkspacePathError) return sendJson(res, 400, { error: error.message });
    throw error;
  }

  // The client hanging up (cancellation on the agent side) kills the command.
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const result = await runProcess({
    command: body.command,
    cwd,
    env: scrubEnvironment(process.env, { PWD: cwd }),
    timeoutMs: body.timeoutSeconds * 1000,
    maxOutputBytes: opts.maxOutputBytes ?? 10_000,
    signal: controller.signal,
    ...(opts.killGraceMs === undefined ? {} : { killGraceMs: opts.killGraceMs }),
  });
  if (controller.signal.aborted) return; // nobody is listening any more
  sendJson(res, 200, result);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Entry point for a sandbox pod: PORT (default 8888) and SANDBOX_ROOT (default the current folder). */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8888);
  const root = process.env.SANDBOX_ROOT ?? process.cwd();
  const runner = await startSandboxRunner({ port, root, host: process.env.HOST ?? '0.0.0.0' });
  process.stderr.write(`sandbox runner listening on port ${runner.port}, workspace ${root}\n`);
  const stop = (): void => {
    runner.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`sandbox runner failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
