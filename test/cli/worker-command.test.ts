// The real `exoclaw-temporal worker` and `turn` processes against the shared dev server.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { ExoclawClient } from '../../src/temporal/client.js';
import { findFreePort } from '../../dev/local-stack/dev-server.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitUntil } from '../support/wait.js';
import { cliEnv, failureMessage, ROOT, runCli, spawnCli, stopCli, type CliProcess } from './cli-process.js';

const CANARY_KEY = 'sk-ant-canary-cli-0123456789abcdef';

let llm: ScriptedLlmServer;
let home: string;
let address: string;
let namespace: string;

beforeAll(async () => {
  llm = await startScriptedLlmServer();
  home = await mkdtemp(join(tmpdir(), 'exoclaw-cli-'));
  const env = await getTestEnv();
  address = env.address;
  namespace = env.namespace;
});
afterAll(async () => {
  await llm?.close();
  await rm(home, { recursive: true, force: true });
});

function startWorker(taskQueue: string, workspace: string, extraArgs: string[] = [], llmUrl = llm.url): CliProcess {
  return spawnCli(
    [
      'worker',
      '--temporal-url', address,
      '--namespace', namespace,
      '--task-queue', taskQueue,
      '--workspace', workspace,
      '--model', 'scripted/scripted-llm',
      ...extraArgs,
    ],
    // A provider key on the worker must never show up in its output.
    cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: llmUrl, ANTHROPIC_API_KEY: CANARY_KEY, EXOCLAW_LOG_LEVEL: 'info' }),
  );
}

describe('exoclaw-temporal worker', () => {
  it('prints a ready line, answers health probes, serves `turn --json` from another process, and exits 0 on SIGTERM', async () => {
    const taskQueue = uniqueTaskQueue('cli');
    const workspace = join(home, 'ws-basic');
    const worker = startWorker(taskQueue, workspace, ['--health-port', '0']);
    try {
      const ready = await worker.waitForLine(/^Worker ready/, 90_000);
      // Probes: ready while polling.
      const healthUrl = /health checks on (http:\/\/[\d.]+:\d+)/.exec(ready)?.[1];
      const probe = await fetch(`${healthUrl}/readyz`);
      expect(probe.status).toBe(200);
      expect(await probe.json()).toEqual({ ok: true, state: 'RUNNING', taskQueues: { [taskQueue]: 'RUNNING' } });
      expect(ready).toContain(`task queue "${taskQueue}"`);
      expect(ready).toContain(`namespace "${namespace}"`);
      expect(ready).toContain(address);
      expect(ready).toContain(workspace);
      expect(ready).toContain('model scripted/scripted-llm');

      const turn = await runCli(
        ['turn', '--session', 's1', 'hi', '--json', '--temporal-url', address, '--namespace', namespace, '--task-queue', taskQueue],
        cliEnv(home),
      );
      expect(turn.code, turn.stderr).toBe(0);
      const result = JSON.parse(turn.stdout) as Record<string, unknown>;
      expect(result['finalContent']).toMatch(/\[scripted-llm\].*\bhi\b/s);
      expect(result['toolsUsed']).toEqual([]);
      expect(result['iterations']).toBe(1);
      expect(result['stopReason']).toBe('completed');
      expect(String(result['workflowId'])).toMatch(/^turn-s1-/);
      expect(typeof result['runId']).toBe('string');
    } finally {
      const stopped = await stopCli(worker, 'SIGTERM');
      expect(stopped.code, worker.stderr()).toBe(0);
    }
    expect(worker.stdout()).toContain('Worker stopped.');
    // Structured logs on stderr carry the task queue; the key is never printed anywhere.
    expect(worker.stderr()).toContain(`"taskQueue":"${taskQueue}"`);
    expect(worker.stdout() + worker.stderr()).not.toContain(CANARY_KEY);
  }, 120_000);

  it('on SIGTERM hands a running exec back: its process is killed and another worker finishes the turn', async () => {
    const taskQueue = uniqueTaskQueue('cli-bounce');
    const workspace = join(home, 'ws-bounce');
    const command = 'sleep 29.517';
    const { client } = await getTestEnv();
    const exoclaw = new ExoclawClient(client, taskQueue);

    // A model that reports the tool result as it is (the default script would run the command again).
    const reporter = await startScriptedLlmServer({
      script: { rules: [{ name: 'report', when: { hasToolResult: true }, reply: { text: 'tool said: {{lastToolResult}}' } }], useDefaults: true },
    });
    const first = startWorker(taskQueue, workspace, ['--shutdown-grace', '500ms'], reporter.url);
    let handle: Awaited<ReturnType<ExoclawClient['startTurn']>>;
    try {
      await first.waitForLine(/^Worker ready/, 90_000);
      handle = await exoclaw.startTurn({ sessionId: 'bounce', message: `Run the command '${command}'` });
      // The executeTool activity is running once its child process exists.
      await waitUntil('the command to run', () => processRunning(command), { timeoutMs: 60_000 });
    } catch (error) {
      await stopCli(first, 'SIGKILL');
      await reporter.close();
      throw error;
    }

    const stopped = await stopCli(first, 'SIGTERM');
    expect(stopped.code, first.stderr()).toBe(0);
    // It did not wait for the 29 s command: the grace period ended it.
    expect(stopped.ms).toBeLessThan(20_000);
    expect(first.stdout()).toContain('running activities get up to 500ms');
    expect(processRunning(command)).toBe(false);

    const second = startWorker(taskQueue, workspace, [], reporter.url);
    try {
      const result = await handle.result();
      expect(result.toolsUsed).toEqual(['exec']);
      // The retried call is told its first attempt was interrupted instead of silently re-running.
      expect(result.finalContent).toMatch(/interrupted/i);
    } finally {
      await reporter.close();
      expect((await stopCli(second, 'SIGTERM')).code).toBe(0);
    }
  }, 180_000);

  it('says where Temporal was expected and how to start it when it is unreachable (exit 1, no stack trace)', async () => {
    const port = await findFreePort();
    const result = await runCli(
      ['worker', '--temporal-url', `127.0.0.1:${port}`, '--workspace', join(home, 'ws-unreachable')],
      cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: llm.url }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach Temporal at 127.0.0.1:${port}`);
    expect(result.stderr).toContain('npm start');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).not.toContain('Worker ready');
    // Off a terminal the worker logs JSON, so its last words are a JSON record too.
    expect(failureMessage(result.stderr)).toContain(`Cannot reach Temporal at 127.0.0.1:${port}`);
  }, 60_000);

  it('reports a missing namespace plainly (exit 1)', async () => {
    const result = await runCli(
      ['worker', '--temporal-url', address, '--namespace', 'no-such-namespace', '--workspace', join(home, 'ws-ns')],
      cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: llm.url }),
    );
    expect(result.code).toBe(1);
    expect(failureMessage(result.stderr)).toContain('has no namespace "no-such-namespace"');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('polls several task queues from one process: turns started on each complete, the ready line and probes name them all, SIGTERM stops all', async () => {
    const [first, second] = [uniqueTaskQueue('cli-q1'), uniqueTaskQueue('cli-q2')];
    const worker = startWorker(`${first},${second}`, join(home, 'ws-queues'), ['--health-port', '0']);
    try {
      const ready = await worker.waitForLine(/^Worker ready/, 90_000);
      expect(ready).toContain(`task queues "${first}", "${second}"`);
      const healthUrl = /health checks on (http:\/\/[\d.]+:\d+)/.exec(ready)?.[1];
      const probe = await fetch(`${healthUrl}/healthz`);
      expect(await probe.json()).toEqual({ ok: true, state: 'RUNNING', taskQueues: { [first]: 'RUNNING', [second]: 'RUNNING' } });

      const { client } = await getTestEnv();
      const results = await Promise.all(
        [first, second].map((queue) => new ExoclawClient(client, queue).runTurn({ sessionId: `on-${queue}`, message: `hello ${queue}` })),
      );
      expect(results[0]!.finalContent).toContain(`hello ${first}`);
      expect(results[1]!.finalContent).toContain(`hello ${second}`);
      // Each turn ran on its own queue, and a session started on the second continues there.
      for (const [index, queue] of [first, second].entries()) {
        const info = await client.workflow.getHandle(results[index]!.workflowId).describe();
        expect(info.taskQueue).toBe(queue);
      }
    } finally {
      const stopped = await stopCli(worker, 'SIGTERM');
      expect(stopped.code, worker.stderr()).toBe(0);
    }
    expect(worker.stdout()).toContain('Worker stopped.');
    expect(worker.stderr()).toContain(`"taskQueues":["${first}","${second}"]`);
  }, 150_000);

  it("refuses nanobot's restrictToWorkspace: false at start-up, before connecting, with the fix (exit 1)", async () => {
    const port = await findFreePort(); // nothing listens: the refusal must come first
    const result = await runCli(
      ['worker', '--config', join(ROOT, 'test', 'fixtures', 'nanobot', 'config.json'), '--temporal-url', `127.0.0.1:${port}`, '--workspace', join(home, 'ws-nanobot')],
      cliEnv(home),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tools.restrictToWorkspace: false');
    expect(result.stderr).toContain('EXOCLAW_RESTRICT_TO_WORKSPACE=true');
    expect(result.stderr).not.toContain('Cannot reach Temporal');
    expect(result.stdout + result.stderr).not.toContain('fixture-not-a-real-key');
  }, 60_000);

  it('rejects a bad --shutdown-grace with usage help (exit 2)', async () => {
    const result = await runCli(['worker', '--shutdown-grace', '10'], cliEnv(home));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shutdown-grace needs a duration');
    expect(result.stderr).toContain('Usage: exoclaw-temporal worker');
  }, 30_000);
});

function processRunning(commandLine: string): boolean {
  return spawnSync('pgrep', ['-f', commandLine]).status === 0;
}
