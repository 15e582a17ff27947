// `exoclaw-temporal send` and `exoclaw-temporal chat` as real processes against the dev server.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait.js';
import { livePidsMatching } from '../durable/processes.js';
import { getTestEnv } from '../helpers/temporal.js';
import { startSessionStack, type SessionStack } from './session-stack.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'exoclaw-temporal.js');

let stack: SessionStack;
let connectionArgs: string[];

beforeAll(async () => {
  stack = await startSessionStack();
  const env = await getTestEnv();
  connectionArgs = ['--temporal-url', env.address, '--namespace', env.namespace, '--task-queue', stack.taskQueue];
});
afterAll(async () => {
  await stack?.close();
});

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

function cli(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args, ...connectionArgs], {
    env: { ...process.env, HOME: stack.workspace, EXOCLAW_LOG_LEVEL: 'warn' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('exoclaw-temporal send', () => {
  it('starts the session, prints the reply, and answers a repeated --message-id once', async () => {
    await stack.withAgentWorker(async () => {
      const first = cli(['send', '--session', 'cli-send', '--json', '--message-id', 'id-1', 'my name is Ada']);
      expect(await first.exit, first.stderr()).toBe(0);
      const reply = JSON.parse(first.stdout()) as { messageId: string; status: string; content: string };
      expect(reply).toMatchObject({ messageId: 'id-1', status: 'completed' });
      expect(reply.content).toContain('Ada');

      const repeat = cli(['send', '--session', 'cli-send', '--json', '--message-id', 'id-1', 'my name is Bob']);
      expect(await repeat.exit, repeat.stderr()).toBe(0);
      expect(JSON.parse(repeat.stdout())).toEqual(reply);

      const recall = cli(['send', '--session', 'cli-send', 'what is my name?']);
      expect(await recall.exit, recall.stderr()).toBe(0);
      expect(recall.stdout().trim()).toBe('[scripted-llm] Your name is Ada.');
      expect((await stack.sessions().status('cli-send'))?.turnCount).toBe(2);
    });
  });
});

describe('exoclaw-temporal chat', () => {
  it('shows live progress, turns Ctrl-C during a turn into /stop, keeps chatting, exits on Ctrl-C twice', async () => {
    const duration = `600.${randomInt(1000, 9999)}${randomInt(1000, 9999)}`;
    await stack.withAgentWorker(async () => {
      const chat = cli(['chat', '--session', 'cli-chat', '--poll', '200']);
      try {
        chat.child.stdin.write(`Wait with 'sleep ${duration}'\n`);
        await waitUntil('the progress line naming the tool', () => chat.stderr().includes(`running exec: sleep ${duration}`), {
          timeoutMs: 20_000,
        });
        expect(livePidsMatching(`sleep ${duration}`).length).toBeGreaterThan(0);

        chat.child.kill('SIGINT');
        await waitUntil('the stop confirmation', () => chat.stderr().includes('Stopped 1 task.'), { timeoutMs: 10_000 });
        await waitUntil('the stopped reply', () => chat.stdout().includes('(stopped) Stopped.'));
        await waitUntil('the sleep to be killed', () => livePidsMatching(`sleep ${duration}`).length === 0, { timeoutMs: 10_000 });

        chat.child.stdin.write('still there?\n');
        // The scripted model echoes the whole user message (runtime context first, then the text).
        await waitUntil('the next reply', () => /You said:[\s\S]*still there\?/.test(chat.stdout()), { timeoutMs: 10_000 });

        // Idle: the first Ctrl-C only warns, the second exits.
        chat.child.kill('SIGINT');
        // The idle hint itself: "Ctrl-C again" alone already appeared in the stop line above, and a
        // second signal sent before this one is handled would merge with it.
        await waitUntil('the exit hint', () => chat.stderr().includes('(Ctrl-C again or Ctrl-D to exit)'));
        chat.child.kill('SIGINT');
        expect(await chat.exit, chat.stderr()).toBe(0);
      } finally {
        if (chat.child.exitCode === null) chat.child.kill('SIGKILL');
      }
    });
  });
});
