// What a real `exoclaw-temporal worker` process writes, for machines (JSON) and for people (pretty,
// or a terminal), and how it stops when the terminal goes away (SIGHUP).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { startDevServer } from '../../dev/local-stack/dev-server.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';
import { runUntilHangUp } from '../support/terminal.js';
import { waitUntil } from '../support/wait.js';
import { cliEnv, ROOT, runCli, spawnCli, stopCli } from './cli-process.js';

const BIN = join(ROOT, 'bin', 'exoclaw-temporal.js');
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
/** A pretty record's first line: `[2026-05-01T14:00:00.000+02:00] WARN: …` (local time with its offset). */
const PRETTY_RECORD = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;

let llm: ScriptedLlmServer;
let home: string;
let address: string;
let namespace: string;

beforeAll(async () => {
  llm = await startScriptedLlmServer();
  home = await mkdtemp(join(tmpdir(), 'exoclaw-logs-'));
  ({ address, namespace } = await getTestEnv());
});
afterAll(async () => {
  await llm?.close();
  await rm(home, { recursive: true, force: true });
});

function workerArgs(taskQueue: string, workspace: string, temporal = address): string[] {
  return ['worker', '--temporal-url', temporal, '--namespace', namespace, '--task-queue', taskQueue, '--workspace', workspace, '--model', 'scripted/scripted-llm'];
}

function workerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: llm.url, EXOCLAW_LOG_LEVEL: 'info', ...extra });
}

/** One turn whose first model call fails with a 500: the SDK logs "Activity failed" (with a task token, unless we drop it). */
async function turnWithFailedModelCall(taskQueue: string, session: string): Promise<string> {
  llm.injectFault({ status: 500 });
  const turn = await runCli(
    ['turn', '--session', session, 'hi', '--json', '--temporal-url', address, '--namespace', namespace, '--task-queue', taskQueue],
    cliEnv(home),
  );
  expect(turn.code, turn.stderr).toBe(0);
  return (JSON.parse(turn.stdout) as { workflowId: string }).workflowId;
}

/**
 * Task tokens are base64 protobuf that always holds the workflow id. Decodes every base64-looking
 * run in `text` and returns those that hold it.
 */
function taskTokensIn(text: string, workflowId: string): string[] {
  return [...text.matchAll(/[A-Za-z0-9+/]{40,}={0,2}/g)]
    .map((m) => m[0])
    .filter((run) => Buffer.from(run, 'base64').toString('latin1').includes(workflowId));
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe('worker logs', () => {
  it('recognises a task token the way the SDK logged it before (the check below can fail)', () => {
    // "Activity failed" as the SDK logged it for workflow turn-s1-795f61f1-… before tokens were dropped.
    const logged =
      '"taskToken":"CiQwMWEyMmVkOC02NjM2LTc5MzEtOGIzMC01ODhhNjdlN2NjZTcSLHR1cm4tczEtNzk1ZjYxZjEtNGZkYi00ZDE5LWEwZTQtMTQ5ZDhlNTMxNTY5GiQwMWEyMmVkZC03NWI3LTdjN2YtYTMwOC0yNjc4OWVmNWQzYTggCygBMgEyQgdsbG1DaGF0SggIARDwgEAYAQ=="';
    expect(taskTokensIn(logged, 'turn-s1-795f61f1-4fdb-4d19-a0e4-149d8e531569')).toHaveLength(1);
  });

  it('JSON off a terminal: every stderr line is an object with an ISO time and a level name, no task token, no bundler stats; SIGHUP stops it gracefully', async () => {
    const taskQueue = uniqueTaskQueue('logs-json');
    // No pre-built bundle: it bundles the workflows at start-up, as a worker in a clone does.
    const worker = spawnCli(workerArgs(taskQueue, join(home, 'ws-json')), workerEnv({ EXOCLAW_WORKFLOW_BUNDLE: join(home, 'no-bundle.js') }));
    let workflowId: string;
    try {
      await worker.waitForLine(/^Worker ready/, 150_000);
      workflowId = await turnWithFailedModelCall(taskQueue, 'json');
    } finally {
      const stopped = await stopCli(worker, 'SIGHUP');
      expect(stopped, worker.stderr()).toMatchObject({ code: 0, signal: null });
    }
    // stdout: the lines for people; stderr: the log records, and nothing else.
    expect(worker.stdout()).toContain('SIGHUP received: stopping; running activities get up to 10s');
    expect(worker.stdout()).toContain('Worker stopped.');
    expect(worker.stdout()).not.toContain('{"level"');

    const records = lines(worker.stderr()).map((line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line on stderr: ${line}`);
      }
      expect(record['time'], line).toMatch(ISO_UTC);
      expect(LEVELS, line).toContain(record['level']);
      return record;
    });
    const failed = records.find((r) => r['msg'] === 'Activity failed' && r['workflowId'] === workflowId);
    expect(failed, 'the SDK logged the failed model call').toMatchObject({ level: 'warn', activityType: 'llmChat' });
    expect(records.filter((r) => 'taskToken' in r)).toEqual([]);
    expect(taskTokensIn(worker.stderr(), workflowId)).toEqual([]);

    // Bundling: one line at info with the size, not webpack's report.
    expect(records.find((r) => r['msg'] === 'Workflow bundle created')).toMatchObject({ level: 'info', size: expect.any(String) });
    expect(worker.stderr()).not.toMatch(/orphan modules|webpack \d/);
    for (const event of ['worker started', 'worker stopping', 'worker stopped']) {
      expect(records.some((r) => r['msg'] === event), event).toBe(true);
    }
    expect(records.find((r) => r['msg'] === 'worker stopping')).toMatchObject({ signal: 'SIGHUP' });
  }, 240_000);

  it('--log-format pretty: one readable line per record with an ISO local time, no JSON, no colours off a terminal', async () => {
    const taskQueue = uniqueTaskQueue('logs-pretty');
    const worker = spawnCli([...workerArgs(taskQueue, join(home, 'ws-pretty')), '--log-format', 'pretty'], workerEnv());
    let workflowId: string;
    try {
      await worker.waitForLine(/^Worker ready/, 90_000);
      workflowId = await turnWithFailedModelCall(taskQueue, 'pretty');
    } finally {
      expect((await stopCli(worker, 'SIGTERM')).code, worker.stderr()).toBe(0);
    }
    const stderr = worker.stderr();
    expect(stderr).not.toContain('{"level"');
    expect(stderr).not.toContain('\x1b[');
    for (const line of lines(stderr)) {
      // A record starts with its time and level; only an error's details continue, indented.
      expect(PRETTY_RECORD.test(line) || /^\s/.test(line), line).toBe(true);
    }
    expect(stderr).toMatch(/\] INFO: worker started /);
    expect(stderr).toMatch(/\] WARN: Activity failed .*"activityType":"llmChat"/);
    expect(taskTokensIn(stderr, workflowId)).toEqual([]);
  }, 150_000);

  it('on a terminal: pretty by default; closing the terminal (SIGHUP, then EIO on every write) still stops it gracefully with exit 0', async () => {
    const taskQueue = uniqueTaskQueue('logs-tty');
    const run = await runUntilHangUp([process.execPath, BIN, ...workerArgs(taskQueue, join(home, 'ws-tty'))], {
      until: /Worker ready/,
      timeoutMs: 90_000,
      env: workerEnv(),
      cwd: ROOT,
    });
    expect(run.matched, run.output).toBe(true);
    expect(run.output).toMatch(/\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d\] \S*INFO\S*: \S*worker started/);
    expect(run.output).not.toContain('{"level"');
    // Killed by the hang-up, or aborted by Node restoring a terminal that is gone, would be a signal.
    expect({ exitCode: run.exitCode, signal: run.signal }, run.output).toEqual({ exitCode: 0, signal: null });
  }, 150_000);

  it('the Temporal core (Rust) logs as JSON too: a server that goes away shows up as warn records', async () => {
    const server = await startDevServer();
    const taskQueue = uniqueTaskQueue('logs-core');
    const worker = spawnCli(
      ['worker', '--temporal-url', server.address, '--task-queue', taskQueue, '--workspace', join(home, 'ws-core'), '--model', 'scripted/scripted-llm'],
      workerEnv(),
    );
    try {
      await worker.waitForLine(/^Worker ready/, 90_000);
      await server.stop();
      await waitUntil('a core log record about the lost server', () => worker.stderr().includes('"sdkComponent":"core"'), {
        timeoutMs: 60_000,
        detail: () => worker.stderr().slice(-2000),
      });
    } finally {
      await server.stop();
      await stopCli(worker, 'SIGTERM');
    }
    const records = lines(worker.stderr()).map((line) => JSON.parse(line) as Record<string, unknown>);
    const core = records.filter((r) => r['sdkComponent'] === 'core');
    expect(core.length).toBeGreaterThan(0);
    for (const record of core) {
      expect(record['time']).toMatch(ISO_UTC);
      expect(['warn', 'error']).toContain(record['level']);
    }
  }, 150_000);

  it('rejects an unknown --log-format or EXOCLAW_LOG_FORMAT with usage help (exit 2)', async () => {
    const flag = await runCli(['worker', '--log-format', 'xml'], cliEnv(home));
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--log-format must be "json" or "pretty" (got "xml").');
    expect(flag.stderr).toContain('Usage: exoclaw-temporal worker');
    const env = await runCli(['worker'], cliEnv(home, { EXOCLAW_LOG_FORMAT: 'text' }));
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('EXOCLAW_LOG_FORMAT must be "json" or "pretty" (got "text").');
  }, 30_000);
});
