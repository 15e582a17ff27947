// `exoclaw-temporal channels` as a real process: a signed webhook message in, the reply out
// through a worker (in this test process) to a fake receiver; Slack in Socket Mode against a fake
// Slack; refused settings; --help; SIGTERM.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSignatureHeaders } from '../../src/channels/webhook/webhook-signature.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { getTestEnv } from '../helpers/temporal.js';
import { waitUntil } from '../support/wait.js';
import { startFakeSlack, startFakeWebhookReceiver, type FakeWebhookReceiver } from '../channels/fake-platforms.js';
import { cliEnv, runCli, spawnCli, stopCli } from './cli-process.js';

const SECRET = 'cli-canary-webhook-secret-88e1';
const SLACK_BOT_TOKEN = 'xoxb-cli-canary-bot-token-4d2e';
const SLACK_APP_TOKEN = 'xapp-1-cli-canary-app-token-91b7';
let stack: DurableStack;
let receiver: FakeWebhookReceiver;
let home: string;

beforeAll(async () => {
  receiver = await startFakeWebhookReceiver(SECRET);
  stack = await startDurableStack({ overrides: { channels: { webhook: { enabled: true, secret: SECRET, url: receiver.url, allowFrom: ['cli-user'] } } } });
  home = mkdtempSync(join(tmpdir(), 'exoclaw-channels-cli-'));
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('exoclaw-temporal channels', () => {
  it('--help explains the command', async () => {
    const { code, stdout } = await runCli(['channels', '--help'], cliEnv(home));
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: exoclaw-temporal channels');
    expect(stdout).toContain('docs/channels.md');
  });

  it('refuses to start without an enabled channel, or with one missing its secret, naming the key', async () => {
    const none = await runCli(['channels'], cliEnv(home));
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('no channel is enabled');
    const config = join(home, 'no-token.json');
    writeFileSync(config, JSON.stringify({ channels: { telegram: { enabled: true, allow_from: ['1'] } } }));
    const missing = await runCli(['channels', '--config', config], cliEnv(home));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('channels.telegram.token (or EXOCLAW_TELEGRAM_TOKEN)');
    const socket = join(home, 'socket.json');
    writeFileSync(socket, JSON.stringify({ channels: { slack: { enabled: true, mode: 'socket', bot_token: 'x', signing_secret: 'y' } } }));
    const slack = await runCli(['channels', '--config', socket], cliEnv(home));
    expect(slack.code).not.toBe(0);
    // Socket mode needs the app token (a signing secret is no substitute).
    expect(slack.stderr).toContain('channels.slack.appToken (or EXOCLAW_SLACK_APP_TOKEN');
  });

  it('runs Slack in Socket Mode (app token from the environment): an event is acknowledged once it is in its session', async () => {
    const slack = await startFakeSlack(SLACK_BOT_TOKEN, { appToken: SLACK_APP_TOKEN });
    const env = await getTestEnv();
    const config = join(home, 'slack-socket.json');
    writeFileSync(config, JSON.stringify({ channels: { slack: { enabled: true, mode: 'socket', bot_token: SLACK_BOT_TOKEN, api_base: slack.url, allow_from: ['U_CLI'] } } }));
    const proc = spawnCli(
      ['channels', '--config', config, '--port', '0', '--temporal-url', env.address, '--namespace', env.namespace, '--task-queue', stack.taskQueue],
      cliEnv(home, { EXOCLAW_SLACK_APP_TOKEN: SLACK_APP_TOKEN, EXOCLAW_LOG_LEVEL: 'info' }),
    );
    try {
      expect(await proc.waitForLine(/^Channels ready/)).toContain('slack (socket mode)');
      await waitUntil('the socket connection', () => slack.socket.connections === 1);
      const envelope = slack.socket.pushEvent({ type: 'message', channel_type: 'im', channel: 'DCLI1', user: 'U_CLI', text: 'hello over the socket', ts: '1700000900.000100' });
      await waitUntil('the acknowledgement', () => slack.socket.acknowledged(envelope));
      expect((await new SessionClient(stack.client, stack.taskQueue).handle('slack:DCLI1').describe()).status.name).toBe('RUNNING');
      for (const secret of [SLACK_APP_TOKEN, SLACK_BOT_TOKEN]) {
        expect(proc.stderr()).not.toContain(secret);
        expect(proc.stdout()).not.toContain(secret);
      }
    } finally {
      const stopped = await stopCli(proc, 'SIGTERM');
      expect(stopped.code).toBe(0);
      await slack.close();
    }
    // Stopping closed the socket from our side, cleanly.
    expect(slack.socket.closes).toEqual([{ by: 'client', code: 1000 }]);
  });

  it('receives a signed message and the worker answers in the chat; SIGTERM stops it', async () => {
    const env = await getTestEnv();
    const config = join(home, 'config.json');
    writeFileSync(config, JSON.stringify({ channels: { webhook: { enabled: true, allowFrom: ['cli-user'] } } }));
    const proc = spawnCli(
      ['channels', '--config', config, '--port', '0', '--temporal-url', env.address, '--namespace', env.namespace, '--task-queue', stack.taskQueue],
      cliEnv(home, { EXOCLAW_WEBHOOK_SECRET: SECRET, EXOCLAW_LOG_LEVEL: 'info' }),
    );
    try {
      const ready = await proc.waitForLine(/^Channels ready/);
      expect(ready).toContain('webhook');
      const url = /HTTP (http:\/\/\S+?)[,;)]/.exec(ready)![1]!;
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ ok: true, routes: ['/webhook'] });
      await stack.withAgentWorker(async () => {
        const body = JSON.stringify({ chatId: 'cli-room', senderId: 'cli-user', messageId: 'c-1', text: 'hello via the channels process' });
        const answer = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...webhookSignatureHeaders(SECRET, body) }, body });
        expect(answer.status).toBe(202);
        const reply = await waitUntil('the reply', () => receiver.delivered.find((d) => d.body.chatId === 'cli-room'));
        expect(reply.body.text).toContain('hello via the channels process');
      });
      expect(proc.stderr()).not.toContain(SECRET);
      expect(proc.stdout()).not.toContain(SECRET);
    } finally {
      const stopped = await stopCli(proc, 'SIGTERM');
      expect(stopped.code).toBe(0);
    }
  });
});
