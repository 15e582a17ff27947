// Telegram end to end against a fake Bot API: long polling → a durable session turn on a real
// worker → sendMessage to the right chat; typing while the turn runs; commands; a redelivered
// update answered once; a stranger refused; a 429 retried after retry_after; the token nowhere
// in history or logs.
import { captureLogger, capturedLogLines } from '../durable/log-capture.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningChannels } from '../../src/channels/channels-runner.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { historyJson } from '../durable/history.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { waitUntil } from '../support/wait.js';
import { startFakeTelegram, type FakeTelegram } from './fake-platforms.js';

const TOKEN = '987654:canary-telegram-token-Zq81x';
const ADA = { id: 4242, username: 'ada' };
let stack: DurableStack;
let telegram: FakeTelegram;
let channels: RunningChannels;
let sessions: SessionClient;
const logText = () => capturedLogLines.join('\n');

beforeAll(async () => {
  telegram = await startFakeTelegram(TOKEN);
  const overrides = {
    channels: { telegram: { enabled: true, token: TOKEN, apiBase: telegram.url, allowFrom: ['@ada', '7777'], pollTimeoutSeconds: 1 } },
  };
  stack = await startDurableStack({ overrides, logger: captureLogger });
  sessions = new SessionClient(stack.client, stack.taskQueue);
  channels = await startChannels(stack.config, sessions, { host: '127.0.0.1', port: 0, logger: captureLogger });
});
afterAll(async () => {
  await channels?.close();
  await stack?.close();
  await telegram?.close();
});

describe('telegram channel', () => {
  it('answers a message in its chat, shows typing meanwhile, and answers a redelivered update once', async () => {
    await stack.withAgentWorker(async () => {
      stack.llm.injectFault({ delayMs: 1500, times: 1 }); // a turn long enough to show "typing…"
      const update = telegram.userMessage(100, ADA, 'hello over telegram');
      // The answer may show while it is written (streaming): wait for its final text.
      const [reply] = await waitUntil('the reply', () => telegram.messagesTo(100).some((m) => m.text?.includes('hello over telegram')) && telegram.messagesTo(100));
      expect(reply!.text).toContain('hello over telegram');
      const typing = telegram.sent.filter((s) => s.method === 'sendChatAction' && s.chatId === '100');
      expect(typing.length).toBeGreaterThan(0);
      expect(typing[0]!.action).toBe('typing');
      expect(typing[0]!.at).toBeLessThan(reply!.at);
      // The poller confirmed the update by asking past it.
      expect(Math.max(...telegram.offsets)).toBeGreaterThan(update.update_id as number);

      telegram.redeliver(update);
      telegram.userMessage(100, ADA, 'and a second one');
      await waitUntil('the second turn and its reply', async () =>
        telegram.messagesTo(100).some((m) => m.text?.includes('and a second one')) && (await sessions.status('telegram:100'))?.turnCount === 2,
      );
      expect(telegram.messagesTo(100).map((m) => m.text)).toEqual([
        expect.stringContaining('hello over telegram'),
        expect.stringContaining('and a second one'),
      ]);
      expect((await sessions.status('telegram:100'))?.turnCount).toBe(2);
    });
  });

  it('serves /help addressed to the bot (/help@MyBot) and /new, without a model call for the command', async () => {
    await stack.withAgentWorker(async () => {
      telegram.userMessage(101, { id: 7777 }, '/help@MyBot');
      const [help] = await waitUntil('the /help answer', () => telegram.messagesTo(101).length > 0 && telegram.messagesTo(101));
      expect(help!.text).toContain('/stop');
      expect(help!.text).toContain('/new');
      telegram.userMessage(101, { id: 7777 }, '/new');
      await waitUntil('the /new answer', () => telegram.messagesTo(101).some((m) => m.text === 'New session started.'));
      expect(stack.llm.chatRequests().filter((r) => JSON.stringify(r.body).includes('/help@MyBot'))).toHaveLength(0);
    });
  });

  it('refuses a sender outside allowFrom: nothing reaches a session, the model or the log', async () => {
    const before = stack.llm.chatRequests().length;
    const text = 'stranger-text-9921';
    const update = telegram.userMessage(555, { id: 555, username: 'mallory' }, text);
    await waitUntil('the update to be confirmed', () => telegram.offsets.some((o) => o > (update.update_id as number)));
    await waitUntil('the refusal in the log', () => logText().includes('sender not in allowFrom'));
    expect(telegram.messagesTo(555)).toHaveLength(0);
    expect(await sessions.status('telegram:555')).toBeUndefined();
    expect(stack.llm.chatRequests().length).toBe(before);
    expect(logText()).not.toContain(text);
  });

  it('retries sendMessage after a 429 with its retry_after, and sends once', async () => {
    await stack.withAgentWorker(async () => {
      telegram.faults.push({ status: 429, retryAfterSeconds: 2 });
      const sent = Date.now();
      telegram.userMessage(102, ADA, 'rate limited please');
      await waitUntil('the reply after the 429', () => telegram.messagesTo(102).length === 1, { timeoutMs: 30_000 });
      expect(telegram.messagesTo(102)[0]!.at - sent).toBeGreaterThanOrEqual(2000);
      expect(telegram.messagesTo(102)).toHaveLength(1);
    });
  });

  it('splits a reply longer than 4096 characters', async () => {
    await stack.withAgentWorker(async () => {
      telegram.userMessage(103, ADA, `echo ${'word '.repeat(1000)}`);
      const parts = await waitUntil('two parts', () => telegram.messagesTo(103).length >= 2 && telegram.messagesTo(103));
      expect(parts.every((p) => p.text!.length <= 4096)).toBe(true);
    });
  });

  it('keeps the bot token out of workflow history and logs', async () => {
    const history = historyJson(await sessions.handle('telegram:100').fetchHistory());
    expect(history).toContain('deliverChannelMessage');
    expect(history).not.toContain(TOKEN);
    expect(history).not.toContain('canary-telegram-token');
    expect(logText()).not.toContain('canary-telegram-token');
  });
});
