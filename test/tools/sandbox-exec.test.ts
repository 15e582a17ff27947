import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolContext } from '../../src/core/tool.js';
import { createExecTool } from '../../src/tools/exec-tool.js';
import { sandboxIdFor } from '../../src/tools/sandbox-client.js';
import { startSandboxRunner, type SandboxRunner } from '../../src/tools/sandbox-runner.js';
import { waitUntil } from '../support/wait.js';
import { liveGroupMembers } from './process-table.js';
import { textTool } from '../support/text-tool.js';

/**
 * Two sandbox runners (one per session, as agent-sandbox gives each session its own pod) behind a
 * tiny router that picks the runner from the X-Session-Id header, like a sandbox router would.
 */
let rootA: string;
let rootB: string;
let runnerA: SandboxRunner;
let runnerB: SandboxRunner;
let router: Server;
let routerUrl: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  rootA = mkdtempSync(join(tmpdir(), 'exoclaw-sandbox-a-'));
  rootB = mkdtempSync(join(tmpdir(), 'exoclaw-sandbox-b-'));
  runnerA = await startSandboxRunner({ port: 0, host: '127.0.0.1', root: rootA, killGraceMs: 300 });
  runnerB = await startSandboxRunner({ port: 0, host: '127.0.0.1', root: rootB, killGraceMs: 300 });
  router = createServer((req, res) => {
    seen.push(req.headers);
    const session = decodeURIComponent(String(req.headers['x-session-id'] ?? ''));
    const target = new URL(session === 'telegram:bob' ? runnerB.url : runnerA.url);
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy()); // client gone: hang up on the sandbox too
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  routerUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}`;
});

afterAll(async () => {
  router.closeAllConnections();
  await new Promise<void>((resolve) => router.close(() => resolve()));
  await runnerA.close();
  await runnerB.close();
  rmSync(rootA, { recursive: true, force: true });
  rmSync(rootB, { recursive: true, force: true });
});

const alice: ToolContext = { sessionId: 'telegram:alice' };
const bob: ToolContext = { sessionId: 'telegram:bob' };

describe('sandboxed exec', () => {
  it('runs the command in the session\'s sandbox and formats the result like local exec', async () => {
    const exec = textTool(createExecTool({ workspace: '/nonexistent-on-this-worker', sandbox: { url: routerUrl, sandboxIdPrefix: 'exo-' } }));
    expect(await exec.execute({ command: 'echo hi; pwd; echo warn >&2; exit 4' }, alice)).toBe(
      `hi\n${realpathSync(rootA)}\nSTDERR:\nwarn\nExit code: 4`,
    );
    expect(await exec.execute({ command: 'pwd' }, bob)).toBe(`${realpathSync(rootB)}\nExit code: 0`);
    const last = seen[seen.length - 1];
    expect(last?.['x-session-id']).toBe(encodeURIComponent('telegram:bob'));
    expect(last?.['x-sandbox-id']).toBe(sandboxIdFor('telegram:bob', 'exo-'));
    expect(last?.['x-sandbox-id']).toMatch(/^exo-[0-9a-f]{16}$/);
  });

  it('scrubs the environment inside the sandbox too', async () => {
    process.env.EXOCLAW_SANDBOX_CANARY_TOKEN = 'sandbox-canary-value';
    try {
      const exec = textTool(createExecTool({ workspace: '.', sandbox: { url: runnerA.url } }));
      const result = await exec.execute({ command: 'printenv' }, alice);
      expect(result).not.toContain('sandbox-canary-value');
      expect(result).toMatch(/^PATH=/m);
    } finally {
      delete process.env.EXOCLAW_SANDBOX_CANARY_TOKEN;
    }
  });

  it('times out inside the sandbox and kills the process group there', async () => {
    const exec = textTool(createExecTool({ workspace: '.', timeoutSeconds: 1, sandbox: { url: routerUrl } }));
    const result = await exec.execute({ command: 'echo $$ > sb-sleep.pid; sleep 600 & sleep 600' }, alice);
    expect(result).toMatch(/^Error: the command timed out after 1s and its process group was killed/);
    const pgid = Number(readFileSync(join(rootA, 'sb-sleep.pid'), 'utf8'));
    await waitUntil('the sandboxed process group to be gone', () => liveGroupMembers(pgid).length === 0, { timeoutMs: 5_000 });
  });

  it('cancellation aborts the HTTP request and the sandbox kills the command', async () => {
    const exec = textTool(createExecTool({ workspace: '.', timeoutSeconds: 600, sandbox: { url: routerUrl } }));
    const controller = new AbortController();
    const pending = exec.execute({ command: 'echo $$ > sb-cancel.pid; sleep 600' }, { ...alice, signal: controller.signal });
    await waitUntil('the sandboxed command to start', () => existsSync(join(rootA, 'sb-cancel.pid')), { timeoutMs: 5_000 });
    controller.abort();
    expect(await pending).toMatch(/^Error: the command was cancelled/);
    const pgid = Number(readFileSync(join(rootA, 'sb-cancel.pid'), 'utf8'));
    await waitUntil('the sandboxed process group to be gone', () => liveGroupMembers(pgid).length === 0, { timeoutMs: 5_000 });
  });

  it('reports the sandbox\'s refusals and a sandbox that is down', async () => {
    const exec = textTool(createExecTool({ workspace: '.', sandbox: { url: runnerA.url } }));
    expect(await exec.execute({ command: 'pwd', working_dir: '../..' }, alice)).toMatch(/^Error: .*outside the workspace/);

    const dead = await startSandboxRunner({ port: 0, host: '127.0.0.1', root: rootA });
    await dead.close();
    const down = textTool(createExecTool({ workspace: '.', sandbox: { url: dead.url } }));
    expect(await down.execute({ command: 'echo hi' }, alice)).toMatch(
      /^Error: could not reach the exec sandbox at http:\/\/127\.0\.0\.1:\d+\/execute \(ECONNREFUSED\); the command was not run/,
    );
  });

  it('checks interruption, PATH overrides and the deny list before calling the sandbox', async () => {
    const exec = textTool(createExecTool({ workspace: '.', sandbox: { url: routerUrl }, denyPatterns: ['never-run-me'] }));
    const before = seen.length;
    expect(await exec.execute({ command: 'touch x' }, { ...alice, previousAttemptInterrupted: true })).toContain(
      'previous attempt of this exec call was interrupted',
    );
    expect(await exec.execute({ command: 'PATH=/tmp ls' }, alice)).toMatch(/^Error: Command refused: it sets PATH/);
    expect(await exec.execute({ command: 'echo never-run-me' }, alice)).toMatch(/^Error: Command refused/);
    expect(seen.length).toBe(before);
  });

  it('the runner answers health probes and rejects malformed requests', async () => {
    expect(await (await fetch(`${runnerA.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const bad = await fetch(`${runnerA.url}/execute`, { method: 'POST', body: '{"command": 42}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/invalid exec request: command/);
  });
});
