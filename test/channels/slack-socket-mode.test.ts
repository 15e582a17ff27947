// Slack in Socket Mode end to end: a fake Slack hands out a WebSocket URL (apps.connections.open)
// and pushes events_api envelopes over a real WebSocket → the channels process acknowledges them
// and signals the sessions → a real worker runs the turn → chat.postMessage to the fake, in the
// right channel and thread. Slack's disconnect and a dropped socket are followed by a reconnect.
// Chat ids here (DS…, CS…) differ from slack-channel.test.ts's: session ids are namespace-wide.
import { captureLogger, capturedLogLines } from '../durable/log-capture.js';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsConfig } from '../../src/channels/channel-config.js';
import { startChannels, type RunningChannels } from '../../src/channels/channels-runner.js';
import { SessionDispatch } from '../../src/channels/session-dispatch.js';
import { SlackEventRouter } from '../../src/channels/slack/slack-events.js';
import { SlackSocketMode } from '../../src/channels/slack/slack-socket-mode.js';
import { ConfigError } from '../../src/config/config-error.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { historyJson } from '../durable/history.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { waitUntil } from '../support/wait.js';
import { startFakeSlack, type FakeSlack, type SlackEnvelope } from './fake-platforms.js';

const BOT_TOKEN = 'xoxb-canary-socket-bot-token-77c1';
const APP_TOKEN = 'xapp-1-canary-socket-app-token-0e93';
let stack: DurableStack;
let slack: FakeSlack;
let channels: RunningChannels;
let sessions: SessionClient;
const logText = () => capturedLogLines.join('\n');

const socketConfig = (extra: Record<string, unknown> = {}) => ({
  channels: { slack: { enabled: true, mode: 'socket', botToken: BOT_TOKEN, appToken: APP_TOKEN, apiBase: slack.url, allowFrom: ['U_ADA'], ...extra } },
});

beforeAll(async () => {
  slack = await startFakeSlack(BOT_TOKEN, { appToken: APP_TOKEN });
  stack = await startDurableStack({ overrides: socketConfig(), logger: captureLogger });
  sessions = new SessionClient(stack.client, stack.taskQueue);
  channels = await startChannels(stack.config, sessions, { host: '127.0.0.1', port: 0, logger: captureLogger });
});
afterAll(async () => {
  await channels?.close();
  await stack?.close();
  await slack?.close();
});

const dm = (channel: string, text: string, ts: string, user = 'U_ADA') => ({ type: 'message', channel_type: 'im', channel, user, text, ts });
const acked = (envelope: SlackEnvelope) => waitUntil(`the ack of ${envelope.envelope_id}`, () => slack.socket.acknowledged(envelope));
const replyIn = (channel: string) => waitUntil(`a reply in ${channel}`, () => slack.posts.find((p) => p.channel === channel), { timeoutMs: 30_000 });

describe('slack channel in socket mode', () => {
  it('connects with the app token and serves no HTTP route for Slack', async () => {
    await waitUntil('the first connection', () => slack.socket.connections === 1);
    expect(channels.adapters).toEqual(['slack (socket mode)']);
    expect(channels.routes).toEqual([]);
    expect((await fetch(`${channels.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('answers a DM and a mention in its thread; every envelope is acknowledged, before the reply', async () => {
    await stack.withAgentWorker(async () => {
      const direct = slack.socket.pushEvent(dm('DS100', 'hello over the socket', '1700000001.000100'));
      const mention = slack.socket.pushEvent({ type: 'app_mention', channel: 'CS100', user: 'U_ADA', text: '<@UBOT> my name is Ada', ts: '1700000002.000100' });
      const post = await replyIn('DS100');
      expect(post.text).toContain('hello over the socket');
      expect(post.threadTs).toBeUndefined();
      const threaded = await replyIn('CS100');
      expect(threaded.threadTs).toBe('1700000002.000100');
      expect(threaded.text).toContain('Ada');
      for (const envelope of [direct, mention]) {
        const ack = slack.socket.acks.find((a) => a.envelopeId === envelope.envelope_id);
        expect(ack, `ack of ${envelope.envelope_id}`).toBeDefined();
        // Acknowledged once the message was handed to its session, which is before the turn ran.
        expect(ack!.at).toBeLessThanOrEqual((envelope === direct ? post : threaded).at);
      }
    });
  });

  it('answers a redelivered envelope (same event id) once', async () => {
    await stack.withAgentWorker(async () => {
      const first = slack.socket.pushEvent(dm('DS200', 'say this once', '1700000200.000100'));
      await acked(first);
      const retry = slack.socket.redeliver(first);
      await acked(retry);
      await replyIn('DS200');
      await waitUntil('the session idle', async () => (await sessions.status('slack:DS200'))?.state === 'idle');
      expect(slack.posts.filter((p) => p.channel === 'DS200')).toHaveLength(1);
      expect((await sessions.status('slack:DS200'))?.turnCount).toBe(1);
    });
  });

  it("reconnects with a new URL after Slack's disconnect, closing the old socket, and answers the next event", async () => {
    const urls = slack.socket.urlsIssued;
    const connections = slack.socket.connections;
    slack.socket.disconnect('refresh_requested', 60_000);
    await waitUntil('a new connection', () => slack.socket.connections === connections + 1);
    expect(slack.socket.urlsIssued).toBe(urls + 1);
    // The old socket is closed by the client once the new one is up, not by Slack's deadline.
    await waitUntil('the old socket closed by the client', () => slack.socket.closes.some((c) => c.by === 'client' && c.code === 1000));
    expect(slack.socket.openSockets()).toBe(1);
    expect(logText()).toContain('Slack asked for a new connection');
    await stack.withAgentWorker(async () => {
      const next = slack.socket.pushEvent(dm('DS300', 'after the refresh', '1700000300.000100'));
      expect((await replyIn('DS300')).text).toContain('after the refresh');
      expect(slack.socket.acknowledged(next)).toBe(true);
    });
  });

  it('reconnects after the socket is dropped; an event sent meanwhile is answered', async () => {
    const connections = slack.socket.connections;
    slack.socket.drop();
    // Pushed while no socket is open: Slack keeps it for the next connection.
    const meanwhile = slack.socket.pushEvent(dm('DS400', 'sent while the socket was down', '1700000400.000100'));
    await waitUntil('a reconnect', () => slack.socket.connections === connections + 1);
    expect(logText()).toContain('connection dropped; reconnecting');
    await stack.withAgentWorker(async () => {
      expect((await replyIn('DS400')).text).toContain('sent while the socket was down');
      await waitUntil('the ack of the event sent meanwhile', () => slack.socket.eventAcknowledged(meanwhile.payload.event_id));
      const next = slack.socket.pushEvent(dm('DS401', 'after the drop', '1700000401.000100'));
      expect((await replyIn('DS401')).text).toContain('after the drop');
      await acked(next);
    });
  });

  it('answers exactly once an event whose socket drops right after it was sent', async () => {
    await stack.withAgentWorker(async () => {
      const connections = slack.socket.connections;
      // Either it was acknowledged (then it is in its session) or the fake sends it again on the
      // next connection; both ways one reply.
      slack.socket.pushEvent(dm('DS500', 'dropped in flight', '1700000500.000100'));
      slack.socket.drop();
      await waitUntil('a reconnect', () => slack.socket.connections === connections + 1);
      await replyIn('DS500');
      await waitUntil('the session idle', async () => (await sessions.status('slack:DS500'))?.state === 'idle');
      expect(slack.posts.filter((p) => p.channel === 'DS500')).toHaveLength(1);
    });
  });

  it('refuses a sender outside allowFrom without reaching the model; the envelope is still acknowledged', async () => {
    const before = stack.llm.chatRequests().length;
    const text = 'outsider-socket-text-4410';
    const envelope = slack.socket.pushEvent(dm('DS600', text, '1700000600.000100', 'U_EVE'));
    await acked(envelope);
    await waitUntil('the refusal logged', () => logText().includes('"chatId":"DS600"') && logText().includes('sender not in allowFrom'));
    expect(await sessions.status('slack:DS600')).toBeUndefined();
    expect(stack.llm.chatRequests().length).toBe(before);
    expect(logText()).not.toContain(text);
  });

  it('leaves an envelope unacknowledged when Temporal cannot take its message, so Slack sends it again', async () => {
    // A real refusal: a client for a namespace the dev server does not have.
    const lost = await startFakeSlack(BOT_TOKEN, { appToken: APP_TOKEN });
    const nowhere = new SessionClient(new Client({ connection: stack.client.connection, namespace: 'no-such-namespace-socket-test' }), stack.taskQueue);
    const config = { ...stack.config, channels: { slack: { ...socketConfig().channels.slack, apiBase: lost.url } } };
    const running = await startChannels(config, nowhere, { host: '127.0.0.1', port: 0, logger: captureLogger });
    try {
      const envelope = lost.socket.pushEvent(dm('DS700', 'nowhere to go', '1700000700.000100'));
      await waitUntil('the failure logged', () => logText().includes(`"envelopeId":"${envelope.envelope_id}"`) && logText().includes('left unacknowledged'));
      expect(lost.socket.acks).toEqual([]);
    } finally {
      await running.close();
      await lost.close();
    }
  });

  it('drops a connection whose pings go unanswered (a link that died silently) and reconnects', async () => {
    const quiet = await startFakeSlack(BOT_TOKEN, { appToken: APP_TOKEN });
    const settings = channelsConfig(socketConfig({ apiBase: quiet.url })).slack!;
    const router = new SlackEventRouter(settings, new SessionDispatch(sessions, captureLogger), captureLogger);
    const mode = new SlackSocketMode({ apiBase: quiet.url, appToken: APP_TOKEN }, router, captureLogger, { helloTimeoutMs: 5_000, pingIntervalMs: 200 });
    try {
      await mode.start();
      await waitUntil('the first connection', () => quiet.socket.connections === 1);
      quiet.socket.freeze();
      await waitUntil('a reconnect', () => quiet.socket.connections === 2);
      expect(logText()).toContain('no pong from Slack');
      expect(quiet.socket.urlsIssued).toBe(2);
    } finally {
      await mode.stop();
      await quiet.close();
    }
  });

  it('keeps the app token and bot token out of history and logs', async () => {
    const history = historyJson(await sessions.handle('slack:DS100').fetchHistory());
    expect(history).toContain('deliverChannelMessage');
    for (const secret of [APP_TOKEN, BOT_TOKEN]) {
      expect(history).not.toContain(secret);
      expect(logText()).not.toContain(secret);
    }
    expect(logText()).not.toContain('ticket=');
  });
});

describe('slack socket mode settings', () => {
  it('names channels.slack.appToken when socket mode has none, and needs no signing secret', () => {
    const { appToken: _unused, ...withoutApp } = socketConfig().channels.slack;
    expect(() => channelsConfig({ channels: { slack: withoutApp } })).toThrow(ConfigError);
    expect(() => channelsConfig({ channels: { slack: withoutApp } })).toThrow(/channels\.slack\.appToken \(or EXOCLAW_SLACK_APP_TOKEN/);
    expect(channelsConfig(socketConfig()).slack?.mode).toBe('socket');
    expect(() => channelsConfig(socketConfig({ appToken: BOT_TOKEN }))).toThrow(/channels\.slack\.appToken: use the app-level token/);
    // A nanobot config that relies on nanobot's default mode (socket) is told to say so.
    const { mode: _mode, ...noMode } = socketConfig().channels.slack;
    expect(() => channelsConfig({ channels: { slack: noMode } })).toThrow(/set "mode": "socket"/);
  });

  it('stops at start, naming the key, when Slack refuses the app token', async () => {
    const attempt = startChannels({ ...stack.config, ...socketConfig({ appToken: 'xapp-1-not-the-right-token' }) }, sessions, { host: '127.0.0.1', port: 0, logger: captureLogger });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/channels\.slack\.appToken: Slack refused apps\.connections\.open: invalid_auth/);
  });
});
