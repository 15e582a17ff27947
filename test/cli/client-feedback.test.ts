// What `turn`, `send` and `chat` say while they wait, and how they stop waiting: real CLI
// processes against the shared dev server, real worker processes, the scripted LLM over HTTP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { findFreePort } from '../../dev/local-stack/dev-server.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitUntil, within } from '../support/wait.js';
import { cliEnv, runCli, spawnCli, stopCli, type CliProcess } from './cli-process.js';

let llm: ScriptedLlmServer;
let home: string;
let address: string;
let namespace: string;
/** Workflows the tests leave running on purpose (no worker); terminated at the end. */
const leftRunning: string[] = [];

beforeAll(async () => {
  llm = await startScriptedLlmServer();
  home = await mkdtemp(join(tmpdir(), 'exoclaw-feedback-'));
  ({ address, namespace } = await getTestEnv());
});
afterAll(async () => {
  const { client } = await getTestEnv();
  for (const workflowId of leftRunning) {
    await client.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
  }
  await llm?.close();
  await rm(home, { recursive: true, force: true });
});

function connection(taskQueue: string): string[] {
  return ['--temporal-url', address, '--namespace', namespace, '--task-queue', taskQueue];
}

function startWorker(taskQueue: string, llmUrl = llm.url): CliProcess {
  return spawnCli(
    ['worker', ...connection(taskQueue), '--workspace', join(home, `ws-${taskQueue}`), '--model', 'scripted/scripted-llm'],
    cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: llmUrl }),
  );
}

function hintFor(taskQueue: string): string {
  return `No worker is polling task queue "${taskQueue}" on namespace "${namespace}" — start one with \`exoclaw-temporal worker --task-queue ${taskQueue}`;
}

async function exitOf(proc: CliProcess, timeoutMs: number): Promise<number | null> {
  const { code } = await within(proc.exited, 'the CLI process to exit', { timeoutMs, detail: () => `stderr:\n${proc.stderr()}` });
  return code;
}

function workflowIdIn(text: string, prefix: string): string {
  const id = new RegExp(`\\(workflow (${prefix}[^:\\s]*)`).exec(text)?.[1];
  if (!id) throw new Error(`no workflow id starting ${prefix} in:\n${text}`);
  return id;
}

describe('a client with no worker', () => {
  it('turn prints the no-worker hint within 10 s and keeps waiting; a worker started later makes it finish', async () => {
    const taskQueue = uniqueTaskQueue('feedback');
    const started = Date.now();
    const turn = spawnCli(['turn', '--session', 'fb-late-worker', 'hello from before the worker', ...connection(taskQueue)], cliEnv(home));
    let worker: CliProcess | undefined;
    try {
      await waitUntil('the no-worker hint', () => turn.stderr().includes(hintFor(taskQueue)), {
        timeoutMs: 10_000,
        detail: () => turn.stderr(),
      });
      expect(Date.now() - started).toBeLessThanOrEqual(10_000);
      expect(turn.stderr()).toContain('Still waiting; Ctrl-C to stop.');
      expect(turn.child.exitCode).toBeNull(); // still waiting, not failed

      worker = startWorker(taskQueue);
      expect(await exitOf(turn, 120_000)).toBe(0);
      expect(turn.stdout()).toContain('hello from before the worker');
      // The watcher looks once a second; a worker that answers before the next look makes the
      // "now polling" line moot, so it may be missing, but it is never said twice or before the hint.
      const now = `A worker is polling task queue "${taskQueue}" now`;
      const nowAt = turn.stderr().indexOf(now);
      expect(turn.stderr().split(now).length - 1).toBeLessThanOrEqual(1);
      if (nowAt >= 0) expect(nowAt).toBeGreaterThan(turn.stderr().indexOf(hintFor(taskQueue)));
      // The hint is said once, not on every look.
      expect(turn.stderr().split(hintFor(taskQueue)).length - 1).toBe(1);
    } finally {
      if (turn.child.exitCode === null) turn.child.kill('SIGKILL');
      if (worker) expect((await stopCli(worker, 'SIGTERM')).code).toBe(0);
    }
  }, 180_000);

  it('turn --timeout gives up with exit 3, naming the workflow and how to follow and cancel it; the turn goes on', async () => {
    const taskQueue = uniqueTaskQueue('feedback');
    const result = await runCli(['turn', '--session', 'fb-timeout', 'hi', '--timeout', '5s', ...connection(taskQueue)], cliEnv(home));
    expect(result.code, result.stderr).toBe(3);
    const workflowId = workflowIdIn(result.stderr, 'turn-fb-timeout-');
    leftRunning.push(workflowId);
    expect(result.stderr).toContain(hintFor(taskQueue));
    expect(result.stderr).toContain(
      `Stopped waiting after 5s (--timeout); the turn goes on without this client (workflow ${workflowId}: waiting for a worker on task queue "${taskQueue}").`,
    );
    expect(result.stderr).toContain(`follow it:  temporal workflow result --workflow-id ${workflowId}`);
    expect(result.stderr).toContain(`cancel it:  temporal workflow cancel --workflow-id ${workflowId}`);
    expect(result.stderr).toContain(`--address ${address}`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const { client } = await getTestEnv();
    expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
  }, 60_000);

  it('turn on Ctrl-C stops waiting with exit 130 and the same directions', async () => {
    const taskQueue = uniqueTaskQueue('feedback');
    const turn = spawnCli(['turn', '--session', 'fb-sigint', 'hi', ...connection(taskQueue)], cliEnv(home));
    await waitUntil('the no-worker hint', () => turn.stderr().includes(hintFor(taskQueue)), { timeoutMs: 20_000, detail: () => turn.stderr() });
    const stopped = await stopCli(turn, 'SIGINT', 15_000);
    expect(stopped.code, turn.stderr()).toBe(130);
    const workflowId = workflowIdIn(turn.stderr(), 'turn-fb-sigint-');
    leftRunning.push(workflowId);
    expect(turn.stderr()).toContain(`Stopped waiting (SIGINT); the turn goes on without this client (workflow ${workflowId}`);
    expect(turn.stderr()).toContain(`cancel it:  temporal workflow cancel --workflow-id ${workflowId}`);
  }, 60_000);

  it('send --timeout: exit 3, with how to follow the session and stop its turn', async () => {
    const taskQueue = uniqueTaskQueue('feedback');
    const result = await runCli(['send', '--session', 'fb-send', 'hi', '--timeout', '5s', ...connection(taskQueue)], cliEnv(home));
    leftRunning.push('session-fb-send');
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(hintFor(taskQueue));
    expect(result.stderr).toContain('Stopped waiting after 5s (--timeout); session fb-send goes on without this client (workflow session-fb-send:');
    expect(result.stderr).toContain(`follow it:  exoclaw-temporal chat --session fb-send --temporal-url ${address}`);
    expect(result.stderr).toContain('stop its running turn:  exoclaw-temporal send --session fb-send');
    expect(result.stderr).toContain('cancel it:  temporal workflow cancel --workflow-id session-fb-send');
  }, 60_000);

  it('turn and send refuse a malformed --timeout (exit 2)', async () => {
    for (const command of ['turn', 'send']) {
      const result = await runCli([command, '--session', 's', 'hi', '--timeout', 'soon'], cliEnv(home));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--timeout needs a duration such as 30s, 5m or 1h, got "soon"');
    }
  }, 30_000);

  it('chat whose piped input ends leaves (exit 3) instead of waiting forever for a worker', async () => {
    const taskQueue = uniqueTaskQueue('feedback');
    const chat = spawnCli(['chat', '--session', 'fb-chat-eof', ...connection(taskQueue)], cliEnv(home), { stdin: 'pipe' });
    leftRunning.push('session-fb-chat-eof');
    chat.child.stdin!.end('hello?\n');
    expect(await exitOf(chat, 30_000)).toBe(3);
    expect(chat.stderr()).toContain(hintFor(taskQueue));
    expect(chat.stderr()).toContain('Left the chat (input ended and no worker is polling); session fb-chat-eof goes on without this client');
  }, 60_000);

  it('chat with no worker: Ctrl-C says /stop cannot reach the session, a second Ctrl-C leaves (exit 130)', async () => {
    const taskQueue = uniqueTaskQueue('feedback');
    const chat = spawnCli(['chat', '--session', 'fb-chat-int', ...connection(taskQueue)], cliEnv(home), { stdin: 'pipe' });
    leftRunning.push('session-fb-chat-int');
    try {
      chat.child.stdin!.write('hello?\n');
      await waitUntil('the no-worker hint', () => chat.stderr().includes(hintFor(taskQueue)), { timeoutMs: 20_000, detail: () => chat.stderr() });
      chat.child.kill('SIGINT');
      await waitUntil('the answer to Ctrl-C', () => chat.stderr().includes('so /stop cannot reach the session now. Ctrl-C again to leave'), {
        detail: () => chat.stderr(),
      });
      chat.child.kill('SIGINT');
      expect(await exitOf(chat, 15_000)).toBe(130);
      expect(chat.stderr()).toContain('Left the chat (Ctrl-C); session fb-chat-int goes on without this client');
    } finally {
      if (chat.child.exitCode === null) chat.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('a model call being retried', () => {
  it('turn says which attempt failed and why, then the worker gives up after 4 attempts on a closed port (exit 1)', async () => {
    const taskQueue = uniqueTaskQueue('feedback');
    const closedPort = await findFreePort();
    const worker = startWorker(taskQueue, `http://127.0.0.1:${closedPort}`);
    try {
      await worker.waitForLine(/^Worker ready/, 90_000);
      const result = await runCli(['turn', '--session', 'fb-closed-port', 'hi', ...connection(taskQueue)], cliEnv(home));
      expect(result.code, result.stderr).toBe(1);
      const refused = `could not reach the API at http://127.0.0.1:${closedPort}/v1 (connection refused: nothing listens at that address)`;
      expect(result.stderr).toMatch(
        new RegExp(`^model call attempt [1-3] failed: scripted \\(model scripted-llm\\): ${escape(refused)}[^\\n]*; (retrying in \\d+ s|retrying now|attempt \\d) `, 'm'),
      );
      expect(result.stderr).toContain(`exoclaw-temporal turn: scripted (model scripted-llm): ${refused}`);
      expect(result.stderr).toContain('Gave up after 4 attempts');
      expect(result.stderr).not.toMatch(/will be retried/i);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      expect((await stopCli(worker, 'SIGTERM')).code).toBe(0);
    }
  }, 180_000);

  it('a worker whose provider base URL uses a port fetch refuses does not start (exit 1), naming the setting', async () => {
    const result = await runCli(
      ['worker', ...connection(uniqueTaskQueue('feedback')), '--workspace', join(home, 'ws-bad-port'), '--model', 'scripted/scripted-llm'],
      cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: 'http://127.0.0.1:9' }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'providers.scripted.apiBase (from environment variable EXOCLAW_SCRIPTED_LLM_URL): port 9 is one fetch refuses to connect to (a blocked port); use another port',
    );
    expect(result.stdout).not.toContain('Worker ready');
  }, 60_000);
});

describe('connection errors name the address', () => {
  it.each([
    ['turn', ['--session', 's', 'hi']],
    ['send', ['--session', 's', 'hi']],
    ['chat', ['--session', 's']],
  ])('%s against a closed port: exit 1 at once, "Cannot reach Temporal at …: connection refused"', async (command, args) => {
    const port = await findFreePort();
    const started = Date.now();
    const result = await runCli([command, ...args, '--temporal-url', `127.0.0.1:${port}`], cliEnv(home));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`exoclaw-temporal ${command}: Cannot reach Temporal at 127.0.0.1:${port} (namespace "default"): connection refused.`);
    expect(result.stderr).toContain('npm start');
    expect(result.stderr).not.toContain('Failed to connect before the deadline');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    // Refused is known at once: not the SDK's 10 s connect deadline (generous for a loaded machine).
    expect(Date.now() - started).toBeLessThan(9_000);
  }, 30_000);

  it('a missing namespace is named (exit 1)', async () => {
    const result = await runCli(['turn', '--session', 's', 'hi', '--temporal-url', address, '--namespace', 'no-such-namespace'], cliEnv(home));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Temporal at ${address} has no namespace "no-such-namespace". Create it`);
  }, 30_000);

  it('--temporal-url takes http://host:port; another scheme is refused with what it takes (exit 1)', async () => {
    const taskQueue = uniqueTaskQueue('feedback');
    const viaUrl = await runCli(
      ['turn', '--session', 'fb-url', 'hi', '--timeout', '1s', '--temporal-url', `http://${address}`, '--namespace', namespace, '--task-queue', taskQueue],
      cliEnv(home),
    );
    // Connected and started the turn: only the timeout ended the wait.
    expect(viaUrl.code, viaUrl.stderr).toBe(3);
    leftRunning.push(workflowIdIn(viaUrl.stderr, 'turn-fb-url-'));

    const badScheme = await runCli(['turn', '--session', 's', 'hi', '--temporal-url', `grpc://${address}`], cliEnv(home));
    expect(badScheme.code).toBe(1);
    expect(badScheme.stderr).toContain(
      `--temporal-url "grpc://${address}" is not a Temporal address (the scheme "grpc://" is not one Temporal speaks): give host:port, http://host:port or https://host:port (TLS)`,
    );
  }, 60_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
