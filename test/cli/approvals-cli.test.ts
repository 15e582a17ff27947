// `exoclaw-temporal chat` asks about tool calls waiting for approval (y / always / n) and
// `approvals` refuses bad usage plainly: real CLI processes against the dev server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolPolicy } from '../../src/contract/index.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { getTestEnv } from '../helpers/temporal.js';
import { waitUntil } from '../support/wait.js';
import { cliEnv, runCli, spawnCli } from './cli-process.js';

let stack: DurableStack;
let connection: string[];

beforeAll(async () => {
  stack = await startDurableStack();
  stack.deps.toolPolicy = ToolPolicy.parse({ rules: [{ tool: 'exec', action: 'ask', reason: 'Commands need a person.' }] });
  const env = await getTestEnv();
  connection = ['--temporal-url', env.address, '--namespace', env.namespace, '--task-queue', stack.taskQueue];
});
afterAll(async () => {
  await stack?.close();
});

const PROMPT = 'approve? [y/always/n]';
const count = (text: string, part: string): number => text.split(part).length - 1;

describe('approvals in the CLI', () => {
  it('chat asks y / always / n: always skips the next prompt for the same program only, n tells the model why', async () => {
    await stack.withAgentWorker(async () => {
      const chat = spawnCli(['chat', '--session', `chat-approvals-${Date.now()}`, '--poll', '200', ...connection], cliEnv(stack.workspace), {
        stdin: 'pipe',
      });
      try {
        chat.child.stdin!.write("run the command 'echo first-$((1+1))'\n");
        await waitUntil('the approval question', () => chat.stderr().includes(PROMPT), { timeoutMs: 30_000, detail: chat.stderr });
        expect(chat.stderr()).toContain('Approval needed (Commands need a person.): exec {"command":"echo first-$((1+1))"}');
        expect(chat.stderr()).toContain('always = also exec commands starting with `echo` in this session');
        chat.child.stdin!.write('always\n');
        await waitUntil('the first reply', () => chat.stdout().includes('first-2'), { timeoutMs: 30_000, detail: chat.stderr });

        chat.child.stdin!.write("run the command 'echo second'\n");
        await waitUntil('the second reply', () => chat.stdout().includes('second'), { timeoutMs: 30_000, detail: chat.stderr });
        expect(count(chat.stderr(), PROMPT)).toBe(1);

        chat.child.stdin!.write("run the command 'pwd'\n");
        await waitUntil('a second question', () => count(chat.stderr(), PROMPT) === 2, { timeoutMs: 30_000, detail: chat.stderr });
        chat.child.stdin!.write('n: not today\n');
        await waitUntil('the denied reply', () => chat.stdout().includes('A person denied this exec call: not today'), {
          timeoutMs: 30_000,
          detail: chat.stderr,
        });
        chat.child.stdin!.end();
        expect((await chat.exited).code, chat.stderr()).toBe(0);
      } finally {
        if (chat.child.exitCode === null) chat.child.kill('SIGKILL');
      }
    });
  });

  it('approvals: --help, and usage errors that say what to do', async () => {
    const env = cliEnv(stack.workspace);
    const help = await runCli(['approvals', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout + help.stderr).toContain('approvals approve ID [--for-session]');
    const none = await runCli(['approvals', ...connection], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('approvals needs list, approve ID or deny ID');
    const missing = await runCli(['approvals', 'approve', ...connection], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs the ID that approvals list shows');
    const notAnId = await runCli(['approvals', 'deny', 'nonsense', ...connection], env);
    expect(notAnId.code).toBe(1);
    expect(notAnId.stderr).toContain('is not an approval id');
    // The chat's session is still running, but no worker polls the queue now: it is named, not waited for.
    const started = Date.now();
    const empty = await runCli(['approvals', 'list', ...connection], env);
    console.info(`[approvals] list with an unanswering workflow took ${Date.now() - started} ms`);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No tool calls are waiting for approval');
    expect(empty.stderr).toMatch(/1 running workflow\(s\) did not answer \(no worker on .*\?\): session-chat-approvals-/);
  });
});
