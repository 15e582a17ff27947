// Telegram in webhook mode against a fake Bot API: setWebhook registered with the secret at
// start-up, updates POSTed to the channels server → a durable turn → sendMessage; the secret-token
// header checked (401 without, 403 wrong); a redelivered update answered once; getUpdates unused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningChannels } from '../../src/channels/channels-runner.js';
import { channelsConfig } from '../../src/channels/channel-config.js';
import { ConfigError } from '../../src/config/config-error.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { historyJson } from '../durable/history.js';
import { captureLogger, capturedLogLines } from '../durable/log-capture.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { freePort } from '../support/free-port.js';
import { waitUntil } from '../support/wait.js';
import { startFakeTelegram, type FakeTelegram } from './fake-platforms.js';

const TOKEN = '246810:canary-telegram-hook-token-Pw3';
const SECRET = 'canary_webhook_secret-5f0a9c';
const ADA = { id: 4242, username: 'ada' };
let stack: DurableStack;
let telegram: FakeTelegram;
let channels: RunningChannels;
let sessions: SessionClient;
const logText = () => capturedLogLines.join('\n');

beforeAll(async () => {
  telegram = await startFakeTelegram(TOKEN);
  const port = await freePort();
  const overrides = {
    channels: {
      telegram: {
        enabled: true,
        token: TOKEN,
        apiBase: telegram.url,
        allowFrom: ['@ada'],
        mode: 'webhook',
        webhookUrl: `http://127.0.0.1:${port}/tg/hook`,
        webhookPath: '/tg/hook',
        webhookSecret: SECRET,
      },
    },
  };
  stack = await startDurableStack({ overrides, logger: captureLogger });
  sessions = new SessionClient(stack.client, stack.taskQueue);
  channels = await startChannels(stack.config, sessions, { host: '127.0.0.1', port, logger: captureLogger });
});
afterAll(async () => {
  await channels?.close();
  await stack?.close();
  await telegram?.close();
});

describe('telegram channel in webhook mode', () => {
  it('registers the webhook with its secret at start-up, on the route it serves', () => {
    expect(telegram.webhook).toEqual({ url: `${channels.url}/tg/hook`, secretToken: SECRET, allowedUpdates: ['message'] });
    expect(channels.routes).toContain('/tg/hook');
    expect(telegram.offsets).toEqual([]);
  });

  it('refuses updates without the secret token (401) or with a wrong one (403): no session, no model call', async () => {
    const before = stack.llm.chatRequests().length;
    expect(await telegram.postUpdate(telegram.makeUpdate(300, ADA, 'no secret'), null)).toBe(401);
    expect(await telegram.postUpdate(telegram.makeUpdate(300, ADA, 'wrong secret'), `${SECRET}x`)).toBe(403);
    expect(await telegram.postUpdate(telegram.makeUpdate(300, ADA, 'wrong secret'), SECRET.replace('c', 'd'))).toBe(403);
    expect(await sessions.status('telegram:300')).toBeUndefined();
    expect(stack.llm.chatRequests().length).toBe(before);
    expect(logText()).toContain('telegram webhook refused');
  });

  it('answers a POSTed update in its chat, and a redelivered one once', async () => {
    await stack.withAgentWorker(async () => {
      const update = telegram.makeUpdate(200, ADA, 'hello over a webhook');
      expect(await telegram.postUpdate(update)).toBe(200);
      // The answer may show while it is written (streaming): wait for its final text.
      const [reply] = await waitUntil('the reply', () => telegram.messagesTo(200).some((m) => m.text?.includes('hello over a webhook')) && telegram.messagesTo(200));
      expect(reply!.text).toContain('hello over a webhook');
      // Telegram redelivers when our 200 was lost.
      expect(await telegram.postUpdate(update)).toBe(200);
      expect(await telegram.postUpdate(telegram.makeUpdate(200, ADA, 'and a second one'))).toBe(200);
      await waitUntil('the second turn and its reply', async () =>
        telegram.messagesTo(200).some((m) => m.text?.includes('and a second one')) && (await sessions.status('telegram:200'))?.turnCount === 2,
      );
      expect(telegram.messagesTo(200).map((m) => m.text)).toEqual([
        expect.stringContaining('hello over a webhook'),
        expect.stringContaining('and a second one'),
      ]);
      expect((await sessions.status('telegram:200'))?.turnCount).toBe(2);
    });
  });

  it('drops a sender outside allowFrom with a 200 (Telegram must not retry it)', async () => {
    const text = 'webhook-stranger-4410';
    expect(await telegram.postUpdate(telegram.makeUpdate(556, { id: 556, username: 'mallory' }, text))).toBe(200);
    expect(await sessions.status('telegram:556')).toBeUndefined();
    expect(logText()).not.toContain(text);
  });

  it('keeps the token and the webhook secret out of history and logs', async () => {
    const history = historyJson(await sessions.handle('telegram:200').fetchHistory());
    expect(history).toContain('deliverChannelMessage');
    for (const secret of [TOKEN, SECRET]) {
      expect(history).not.toContain(secret);
      expect(logText()).not.toContain(secret);
    }
  });

  it('says what is missing when webhook mode lacks its URL or secret', () => {
    const config = { channels: { telegram: { enabled: true, token: TOKEN, mode: 'webhook' } } };
    expect(() => channelsConfig(config)).toThrow(ConfigError);
    expect(() => channelsConfig(config)).toThrow(/channels\.telegram\.webhookUrl.*[\s\S]*channels\.telegram\.webhookSecret/);
    const short = { channels: { telegram: { ...config.channels.telegram, webhookUrl: 'https://bot.example.com/hook', webhookSecret: 'short' } } };
    expect(() => channelsConfig(short)).toThrow(/16 to 256 characters/);
  });
});
