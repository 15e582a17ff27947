// The webhook channel end to end: a signed POST → the channels server → a durable session turn on
// a real worker → the reply POSTed, signed, to a fake receiver that de-duplicates on its key.
import { captureLogger, capturedLogLines } from '../durable/log-capture.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningChannels } from '../../src/channels/channels-runner.js';
import { webhookSignatureHeaders } from '../../src/channels/webhook/webhook-signature.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { historyJson } from '../durable/history.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { waitUntil } from '../support/wait.js';
import { SESSION_TEST_RULES } from '../sessions/session-stack.js';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from './fake-platforms.js';

const SECRET = 'canary-webhook-secret-7f3a9c1e55';
let stack: DurableStack;
let receiver: FakeWebhookReceiver;
let channels: RunningChannels;
let sessions: SessionClient;
const logs = { logger: () => captureLogger, text: () => capturedLogLines.join('\n') };

beforeAll(async () => {
  receiver = await startFakeWebhookReceiver(SECRET);
  const overrides = { channels: { webhook: { enabled: true, secret: SECRET, url: receiver.url, allowFrom: ['alice'], rateLimitPerMinute: 5, maxMessageChars: 200 } } };
  stack = await startDurableStack({ overrides, logger: logs.logger() });
  sessions = new SessionClient(stack.client, stack.taskQueue);
  channels = await startChannels(stack.config, sessions, { host: '127.0.0.1', port: 0, logger: logs.logger() });
});
afterAll(async () => {
  await channels?.close();
  await stack?.close();
  await receiver?.close();
});

async function post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const response = await fetch(`${channels.url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(headers ?? webhookSignatureHeaders(SECRET, text)) },
    body: text,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const repliesTo = (chatId: string) => receiver.delivered.filter((d) => d.body.chatId === chatId);

describe('webhook channel', () => {
  it('answers a signed message in its chat, once, even when the message is sent again', async () => {
    await stack.withAgentWorker(async () => {
      const message = { chatId: 'room-1', senderId: 'alice', messageId: 'm-1', text: 'hello from the webhook' };
      expect(await post(message)).toMatchObject({ status: 202, json: { queued: true, sessionId: 'webhook:room-1' } });
      const [reply] = await waitUntil('the reply at the receiver', () => repliesTo('room-1').length > 0 && repliesTo('room-1'));
      expect(reply!.body).toMatchObject({ chatId: 'room-1', kind: 'reply', part: 1, parts: 1 });
      expect(reply!.body.text).toContain('You said:');
      expect(reply!.body.text).toContain('hello from the webhook');
      expect(reply!.signatureProblem).toBeUndefined();

      // The same message again, signed anew as a sender retrying a second later does (within the
      // same second the signature would be the same one, a replay): queued, not answered twice.
      expect((await post(message, webhookSignatureHeaders(SECRET, JSON.stringify(message), Date.now() + 1_000))).status).toBe(202);
      const next = { ...message, messageId: 'm-2', text: 'second message' };
      expect((await post(next)).status).toBe(202);
      await waitUntil('the second reply', () => repliesTo('room-1').length >= 2);
      expect(repliesTo('room-1').map((r) => r.body.text)).toEqual([
        expect.stringContaining('hello from the webhook'),
        expect.stringContaining('second message'),
      ]);
      expect((await sessions.status('webhook:room-1'))?.turnCount).toBe(2);
    });
  });

  it('splits a long reply at the limit, in order, each part keyed', async () => {
    await stack.withAgentWorker(async () => {
      const long = `please echo ${'lorem ipsum dolor sit amet '.repeat(20)}`;
      expect((await post({ chatId: 'room-long', senderId: 'alice', messageId: 'long-1', text: long })).status).toBe(202);
      const parts = await waitUntil('every part', () => {
        const got = repliesTo('room-long');
        return got.length > 0 && got.length === got[0]!.body.parts && got;
      });
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.every((p) => p.body.text.length <= 200)).toBe(true);
      expect(parts.map((p) => p.body.part)).toEqual(parts.map((_, i) => i + 1));
      expect(new Set(parts.map((p) => p.key)).size).toBe(parts.length);
      expect(parts.map((p) => p.body.text).join(' ').replace(/\s+/g, ' ')).toContain(long.trim().replace(/\s+/g, ' ').slice(0, 150));
    });
  });

  it('refuses bad signatures, stale timestamps and replays with 401/409, and runs nothing', async () => {
    const message = { chatId: 'room-sig', senderId: 'alice', messageId: 's-1', text: 'never answered' };
    const text = JSON.stringify(message);
    const wrong = webhookSignatureHeaders('another-secret-of-enough-length', text);
    expect((await post(message, wrong)).status).toBe(401);
    const stale = webhookSignatureHeaders(SECRET, text, Date.now() - 6 * 60 * 1000);
    const staleAnswer = await post(message, stale);
    expect(staleAnswer.status).toBe(401);
    expect(String(staleAnswer.json.error)).toContain('5-minute window');
    expect((await post(message, {})).status).toBe(401);

    // The very same signed request twice: the second is a replay.
    await stack.withAgentWorker(async () => {
      const signed = webhookSignatureHeaders(SECRET, text);
      expect((await post(message, signed)).status).toBe(202);
      expect((await post(message, signed)).status).toBe(409);
      await waitUntil('its one reply', () => repliesTo('room-sig').length === 1);
    });
  });

  it('refuses a sender outside allowFrom without the text reaching the model or the log', async () => {
    const before = stack.llm.chatRequests().length;
    const secretText = 'the-disallowed-text-4471';
    const answer = await post({ chatId: 'room-x', senderId: 'mallory', messageId: 'x-1', text: secretText });
    expect(answer.status).toBe(403);
    expect(await sessions.status('webhook:room-x')).toBeUndefined();
    expect(stack.llm.chatRequests().length).toBe(before);
    expect(logs.text()).toContain('sender not in allowFrom');
    expect(logs.text()).not.toContain(secretText);
  });

  it('rate-limits one chat', async () => {
    await stack.withAgentWorker(async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        statuses.push((await post({ chatId: 'room-rate', senderId: 'alice', messageId: `r-${i}`, text: '/help' })).status);
      }
      expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      // Commands are answered in the chat too.
      const answers = await waitUntil('five /help answers', () => repliesTo('room-rate').length === 5 && repliesTo('room-rate'));
      expect(answers.every((a) => a.body.kind === 'command' && a.body.text.includes('/stop'))).toBe(true);
    });
  });

  it('retries a 429 after its Retry-After and delivers once', async () => {
    await stack.withAgentWorker(async () => {
      receiver.faults.push({ status: 429, retryAfterSeconds: 2 }, { status: 503 });
      const sent = Date.now();
      expect((await post({ chatId: 'room-429', senderId: 'alice', messageId: 'q-1', text: 'busy platform' })).status).toBe(202);
      await waitUntil('the reply after the 429', () => repliesTo('room-429').length === 1, { timeoutMs: 30_000 });
      const attempts = receiver.attempts.filter((a) => a.body.chatId === 'room-429');
      expect(attempts.length).toBe(3);
      // The retry after the 429 waited for its Retry-After (2 s), not the policy's 1 s.
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1900);
      expect(attempts[2]!.at).toBeGreaterThan(sent);
    });
  });

  it('delivers the reply to a scheduled job (an asynchronous reply) to the chat the session belongs to', async () => {
    stack.llm.setScript({ rules: SESSION_TEST_RULES, useDefaults: true });
    await stack.withAgentWorker(async () => {
      const at = new Date(Date.now() + 3000).toISOString();
      expect((await post({ chatId: 'room-cron', senderId: 'alice', messageId: 'c-1', text: `remind me 'water the plants' at ${at}` })).status).toBe(202);
      const reminder = await waitUntil(
        'the scheduled reply in the chat',
        () => repliesTo('room-cron').find((r) => r.body.text.includes('[Scheduled job') && r.body.text.includes('water the plants')),
        { timeoutMs: 30_000 },
      );
      expect(reminder.body.kind).toBe('reply');
      expect(repliesTo('room-cron').length).toBe(2); // the cron tool's confirmation, then the reminder
    });
  });

  it("answers a message sent into the chat's session from elsewhere (no channel) to its sender only", async () => {
    await stack.withAgentWorker(async () => {
      expect((await post({ chatId: 'room-side', senderId: 'alice', messageId: 'sd-1', text: 'from the chat' })).status).toBe(202);
      await waitUntil('the chat reply', () => repliesTo('room-side').length === 1);
      const reply = await sessions.send('webhook:room-side', 'from the operator', { messageId: 'op-1' });
      expect(reply.content).toContain('from the operator');
      await sessions.send('webhook:room-side', '/help', { messageId: 'op-2' });
      // Deliveries go out in order: once the next chat message is answered, nothing else was sent.
      expect((await post({ chatId: 'room-side', senderId: 'alice', messageId: 'sd-2', text: 'again from the chat' })).status).toBe(202);
      await waitUntil('the second chat reply', () => repliesTo('room-side').length >= 2);
      expect(repliesTo('room-side').map((r) => r.body.text)).toEqual([
        expect.stringContaining('from the chat'),
        expect.stringContaining('again from the chat'),
      ]);
    });
  });

  it('the message tool sends to the chat (kind "message") and the turn sends no second reply', async () => {
    stack.llm.setScript({
      rules: [
        { name: 'message tool', when: { hasToolResult: false, lastUserMatches: 'announce (.+)$' }, reply: { toolCalls: [{ name: 'message', arguments: { content: 'Announcement: {{match.1}}' } }] } },
        { name: 'after message', when: { hasToolResult: true }, reply: { text: 'done' } },
      ],
      useDefaults: true,
    });
    await stack.withAgentWorker(async () => {
      expect((await post({ chatId: 'room-msg', senderId: 'alice', messageId: 'mt-1', text: 'announce the launch' })).status).toBe(202);
      const message = await waitUntil('the message', () => repliesTo('room-msg')[0]);
      expect(message.body).toMatchObject({ kind: 'message', text: 'Announcement: the launch' });
      await waitUntil('the turn to end', async () => (await sessions.status('webhook:room-msg'))?.turnCount === 1);
      expect(repliesTo('room-msg')).toHaveLength(1);
    });
  });

  it('keeps the signing secret out of workflow history and logs', async () => {
    const handle = stack.client.workflow.getHandle('session-webhook:room-1');
    const history = historyJson(await handle.fetchHistory());
    expect(history).toContain('deliverChannelMessage');
    expect(history).not.toContain(SECRET);
    expect(logs.text()).not.toContain(SECRET);
  });
});
