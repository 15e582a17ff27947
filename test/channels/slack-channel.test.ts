// Slack end to end: signed Events API requests → the channels server → a durable session turn on
// a real worker → chat.postMessage to a fake Slack API, in the right channel and thread.
import { captureLogger, capturedLogLines } from '../durable/log-capture.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningChannels } from '../../src/channels/channels-runner.js';
import { signSlack } from '../../src/channels/slack/slack-signature.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { historyJson } from '../durable/history.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { waitUntil } from '../support/wait.js';
import { startFakeSlack, type FakeSlack } from './fake-platforms.js';

const BOT_TOKEN = 'xoxb-canary-slack-bot-token-55aa';
const SIGNING_SECRET = 'canary-slack-signing-secret-31d0';
let stack: DurableStack;
let slack: FakeSlack;
let channels: RunningChannels;
let sessions: SessionClient;
const logText = () => capturedLogLines.join('\n');

beforeAll(async () => {
  slack = await startFakeSlack(BOT_TOKEN);
  const overrides = {
    channels: { slack: { enabled: true, botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiBase: slack.url, allowFrom: ['U_ADA'] } },
  };
  stack = await startDurableStack({ overrides, logger: captureLogger });
  sessions = new SessionClient(stack.client, stack.taskQueue);
  channels = await startChannels(stack.config, sessions, { host: '127.0.0.1', port: 0, logger: captureLogger });
});
afterAll(async () => {
  await channels?.close();
  await stack?.close();
  await slack?.close();
});

async function sendEvent(body: unknown, opts: { secret?: string; at?: number; retry?: number } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const timestamp = String(Math.floor((opts.at ?? Date.now()) / 1000));
  const response = await fetch(`${channels.url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlack(opts.secret ?? SIGNING_SECRET, timestamp, text),
      ...(opts.retry ? { 'x-slack-retry-num': String(opts.retry), 'x-slack-retry-reason': 'http_timeout' } : {}),
    },
    body: text,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const callback = (event: Record<string, unknown>, id = `Ev${Math.random().toString(36).slice(2)}`) => ({
  type: 'event_callback',
  event_id: id,
  team_id: 'T1',
  event,
});

describe('slack channel', () => {
  it('answers the URL verification challenge', async () => {
    expect(await sendEvent({ type: 'url_verification', challenge: 'abc123' })).toEqual({ status: 200, json: { challenge: 'abc123' } });
  });

  it('answers a direct message in the DM, once even when Slack retries the event', async () => {
    await stack.withAgentWorker(async () => {
      const event = callback({ type: 'message', channel_type: 'im', channel: 'D100', user: 'U_ADA', text: 'hello in a DM', ts: '1700000001.000100' });
      expect((await sendEvent(event)).status).toBe(200);
      expect((await sendEvent(event, { retry: 1 })).status).toBe(200);
      const post = await waitUntil('the DM reply', () => slack.posts.find((p) => p.channel === 'D100'));
      expect(post.text).toContain('hello in a DM');
      expect(post.threadTs).toBeUndefined();
      await waitUntil('the session idle', async () => (await sessions.status('slack:D100'))?.state === 'idle');
      expect(slack.posts.filter((p) => p.channel === 'D100')).toHaveLength(1);
      expect((await sessions.status('slack:D100'))?.turnCount).toBe(1);
    });
  });

  it('answers a mention in its thread; each thread is its own session', async () => {
    await stack.withAgentWorker(async () => {
      await sendEvent(callback({ type: 'app_mention', channel: 'C200', user: 'U_ADA', text: '<@UBOT> my name is Ada', ts: '1700000100.000100' }));
      await sendEvent(callback({ type: 'app_mention', channel: 'C200', user: 'U_ADA', text: '<@UBOT> what is my name?', ts: '1700000200.000100' }));
      await sendEvent(
        callback({ type: 'app_mention', channel: 'C200', user: 'U_ADA', text: '<@UBOT> what is my name?', ts: '1700000101.000100', thread_ts: '1700000100.000100' }),
      );
      await waitUntil('three replies', () => slack.posts.filter((p) => p.channel === 'C200').length === 3);
      const inThread = (ts: string) => slack.posts.filter((p) => p.channel === 'C200' && p.threadTs === ts).map((p) => p.text);
      // The first thread remembers the name; the other thread is another conversation.
      expect(inThread('1700000100.000100')).toEqual([expect.stringContaining('Ada'), '[scripted-llm] Your name is Ada.']);
      expect(inThread('1700000200.000100')).toEqual([expect.stringContaining("don't know your name")]);
    });
  });

  it('refuses a bad signature and a stale timestamp with 401, before reading the event', async () => {
    const event = callback({ type: 'message', channel_type: 'im', channel: 'D300', user: 'U_ADA', text: 'forged', ts: '1700000300.000100' });
    expect((await sendEvent(event, { secret: 'not-the-signing-secret' })).status).toBe(401);
    const stale = await sendEvent(event, { at: Date.now() - 10 * 60 * 1000 });
    expect(stale.status).toBe(401);
    expect(String(stale.json.error)).toContain('5-minute window');
    expect(await sessions.status('slack:D300')).toBeUndefined();
  });

  it('ignores a sender outside allowFrom and bot messages (no session, no model call, no text in the log)', async () => {
    const before = stack.llm.chatRequests().length;
    const text = 'outsider-slack-text-6612';
    expect((await sendEvent(callback({ type: 'message', channel_type: 'im', channel: 'D400', user: 'U_EVE', text, ts: '1700000400.000100' }))).status).toBe(200);
    await sendEvent(callback({ type: 'message', channel_type: 'im', channel: 'D401', user: 'U_ADA', bot_id: 'B1', text: 'from a bot', ts: '1700000401.000100' }));
    expect(await sessions.status('slack:D400')).toBeUndefined();
    expect(await sessions.status('slack:D401')).toBeUndefined();
    expect(stack.llm.chatRequests().length).toBe(before);
    expect(logText()).toContain('sender not in allowFrom');
    expect(logText()).not.toContain(text);
  });

  it('retries chat.postMessage after a 429 and its Retry-After', async () => {
    await stack.withAgentWorker(async () => {
      slack.faults.push({ status: 429, retryAfterSeconds: 2 });
      const sent = Date.now();
      await sendEvent(callback({ type: 'message', channel_type: 'im', channel: 'D500', user: 'U_ADA', text: 'slow down', ts: '1700000500.000100' }));
      const post = await waitUntil('the reply after the 429', () => slack.posts.find((p) => p.channel === 'D500'), { timeoutMs: 30_000 });
      expect(post.at - sent).toBeGreaterThanOrEqual(2000);
      expect(slack.posts.filter((p) => p.channel === 'D500')).toHaveLength(1);
    });
  });

  it('keeps the bot token and signing secret out of history and logs', async () => {
    const history = historyJson(await sessions.handle('slack:D100').fetchHistory());
    expect(history).toContain('deliverChannelMessage');
    for (const secret of [BOT_TOKEN, SIGNING_SECRET]) {
      expect(history).not.toContain(secret);
      expect(logText()).not.toContain(secret);
    }
  });
});
