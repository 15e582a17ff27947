// `exoclaw-temporal chat` as a real process following the session's event stream: tokens as they
// arrive, tool calls as they run, and a schedule's reply while it sits idle at the prompt.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMessageSignal, sessionWorkflowId } from '../../src/contract/index.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { getTestEnv } from '../helpers/temporal.js';
import { waitUntil } from '../support/wait.js';
import { cliEnv, spawnCli, stopCli } from './cli-process.js';

const ANSWER = 'Tokens reach the chat one piece at a time, long before the turn has finished recording.';

let stack: DurableStack;
let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'exoclaw-chat-stream-'));
  stack = await startDurableStack();
  stack.llm.setScript({
    useDefaults: true,
    rules: [
      { name: 'answer', when: { lastUserMatches: 'explain' }, reply: { text: ANSWER }, stream: { pieces: 15, pauseMs: 120 } },
      { name: 'tool done', when: { lastUserMatches: 'use a tool', hasToolResult: true }, reply: { text: 'The tool is done.' } },
      { name: 'tool', when: { lastUserMatches: 'use a tool' }, reply: { toolCalls: [{ name: 'exec', arguments: { command: 'echo chat-tool-ran' } }] } },
      { name: 'cron', when: { lastUserMatches: 'nightly report' }, reply: { text: 'Scheduled report: all systems fine.' } },
    ],
  });
});
afterAll(async () => {
  await stack?.close();
  await rm(home, { recursive: true, force: true });
});

describe('exoclaw-temporal chat follows the event stream', () => {
  it('shows tokens as they arrive, tool calls as they run, and a cron reply while idle', async () => {
    const { address, namespace } = await getTestEnv();
    const sessionId = `chat-stream-${randomUUID().slice(0, 8)}`;
    const chat = spawnCli(
      ['chat', '--session', sessionId, '--temporal-url', address, '--namespace', namespace, '--task-queue', stack.taskQueue, '--state-dir', stack.stateDir],
      cliEnv(home),
      { stdin: 'pipe' },
    );
    const detail = () => `stdout:\n${chat.stdout()}\nstderr:\n${chat.stderr()}`;
    try {
      await stack.withAgentWorker(async () => {
        await waitUntil('the chat to start', () => chat.stderr().includes(`Session "${sessionId}"`), { timeoutMs: 30_000, detail });
        chat.child.stdin!.write('explain streaming\n');
        // Part of the answer is on screen while the model still streams the rest.
        const partial = await waitUntil('a part of the answer, before all of it', () => {
          const out = chat.stdout();
          return out.includes(ANSWER.slice(0, 12)) && !out.includes(ANSWER) ? out : undefined;
        }, { timeoutMs: 30_000, intervalMs: 20, detail });
        expect(partial).not.toContain(ANSWER);
        await waitUntil('the whole answer', () => chat.stdout().includes(`${ANSWER}\n`), { timeoutMs: 30_000, detail });
        expect(chat.stdout().split(ANSWER).length - 1).toBe(1); // shown once, not again when the reply came

        chat.child.stdin!.write('use a tool\n');
        await waitUntil('the tool and the answer after it', () => chat.stdout().includes('The tool is done.'), { timeoutMs: 30_000, detail });
        expect(chat.stderr()).toContain('… exec: echo chat-tool-ran');
        expect(chat.stderr()).toContain('  ✓ exec');

        // A schedule's message, sent as the schedule workflow sends it, while the chat is idle.
        await stack.client.workflow.getHandle(sessionWorkflowId(sessionId)).signal(sendMessageSignal, {
          text: 'nightly report please',
          messageId: `cron-${randomUUID()}`,
          origin: 'schedule',
          source: 'cron-nightly',
        });
        await waitUntil('the cron reply in the idle chat', () => chat.stdout().includes('[cron] Scheduled report: all systems fine.'), {
          timeoutMs: 30_000,
          detail,
        });
      });
      chat.child.stdin!.end();
      expect((await chat.exited).code).toBe(0);
    } finally {
      if (chat.child.exitCode === null) await stopCli(chat, 'SIGKILL');
    }
  }, 150_000);
});
