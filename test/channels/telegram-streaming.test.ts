// Telegram streamed answers end to end: a real worker streams a slow model answer onto the
// session event stream, the channels runner follows it and grows one message in the chat with
// throttled editMessageText calls (fake Bot API), and the durable delivery edits that same
// message into the final reply. One message per turn; 429s on edits cost edits, never the reply.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsConfig } from '../../src/channels/channel-config.js';
import { startChannels, type RunningChannels } from '../../src/channels/channels-runner.js';
import type { StreamedMessage } from '../../src/channels/streamed-messages.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { captureLogger } from '../durable/log-capture.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { waitUntil } from '../support/wait.js';
import { startFakeTelegram, type FakeTelegram, type TelegramSent } from './fake-platforms.js';

// Chat ids 1600+: a chat's session id is a workflow id, shared with the other test files' chats on one server.
const TOKEN = '424242:streaming-test-token';
const ADA = { id: 4242, username: 'ada' };
const EDIT_INTERVAL_MS = 500;
const STORY = Array.from({ length: 60 }, (_, i) => `Sentence ${i + 1} of the story keeps going.`).join(' ');
// Longer than one Telegram message: the stream stops at 4096, the delivery splits.
const SAGA = Array.from({ length: 140 }, (_, i) => `Line ${i + 1} of a very long saga, told slowly.`).join('\n');
let stack: DurableStack;
let telegram: FakeTelegram;
let channels: RunningChannels;

beforeAll(async () => {
  telegram = await startFakeTelegram(TOKEN);
  const overrides = {
    channels: {
      telegram: { enabled: true, token: TOKEN, apiBase: telegram.url, allowFrom: ['@ada'], pollTimeoutSeconds: 1, streamEditIntervalMs: EDIT_INTERVAL_MS },
    },
  };
  stack = await startDurableStack({ overrides, logger: captureLogger });
  stack.llm.setScript({
    useDefaults: true,
    rules: [
      { name: 'story', when: { lastUserMatches: 'tell a story' }, reply: { text: STORY }, stream: { pieces: 40, pauseMs: 120 } },
      { name: 'saga', when: { lastUserMatches: 'tell a saga' }, reply: { text: SAGA }, stream: { pieces: 40, pauseMs: 80 } },
      { name: 'by message, done', when: { lastUserMatches: 'answer by message', hasToolResult: true }, reply: { text: 'Done, I sent it to you.' }, stream: { pieces: 10, pauseMs: 100 } },
      {
        name: 'by message',
        when: { lastUserMatches: 'answer by message' },
        reply: { text: 'Let me send that to you now, one moment please.', toolCalls: [{ name: 'message', arguments: { content: 'Here it is, by message.' } }] },
        stream: { pieces: 20, pauseMs: 100 },
      },
    ],
  });
  channels = await startChannels(stack.config, new SessionClient(stack.client, stack.taskQueue), { host: '127.0.0.1', port: 0, logger: captureLogger });
});
afterAll(async () => {
  await channels?.close();
  await stack?.close();
  await telegram?.close();
});

/** Waits until the session's turn count reaches `turns` and its chat shows the reply. */
async function answered(chatId: number, turns: number, reply: string): Promise<TelegramSent[]> {
  const sessions = new SessionClient(stack.client, stack.taskQueue);
  await waitUntil('the turn to end', async () => ((await sessions.status(`telegram:${chatId}`))?.turnCount ?? 0) >= turns, { timeoutMs: 60_000 });
  return waitUntil('the final reply in the chat', () => telegram.messagesTo(chatId).some((m) => m.text === reply) && telegram.messagesTo(chatId), {
    timeoutMs: 60_000,
  });
}

describe('telegram streamed answers', () => {
  it('grows one message with throttled edits, then the delivery edits it into the reply', async () => {
    await stack.withAgentWorker(async () => {
      telegram.userMessage(1600, ADA, 'tell a story');
      const messages = await answered(1600, 1, STORY);
      expect(messages).toHaveLength(1);
      const sent = telegram.sent.filter((s) => s.method === 'sendMessage' && s.chatId === '1600');
      expect(sent).toHaveLength(1);
      // The first text went out long before the whole answer was written.
      expect(sent[0]!.text!.length).toBeLessThan(STORY.length);
      expect(STORY.startsWith(sent[0]!.text!)).toBe(true);
      const edits = telegram.editsTo(1600);
      expect(edits.length).toBeGreaterThanOrEqual(2);
      expect(edits.every((e) => e.messageId === sent[0]!.messageId)).toBe(true);
      expect(edits.at(-1)!.text).toBe(STORY);
      // Throttled: never two Bot API writes to the chat closer than the interval (the final
      // delivery, a different process's durable step, is not throttled).
      const streamed = [sent[0]!, ...edits.slice(0, -1)];
      for (let i = 1; i < streamed.length; i++) expect(streamed[i]!.at - streamed[i - 1]!.at).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS - 50);
      // The hand-over record on the state root names the message.
      // (The stream's last edit may show the whole text before the delivery has run: wait for it.)
      const handOver = async (): Promise<StreamedMessage[]> => {
        const folder = join(stack.stateDir, 'channel-streams');
        const files = (await readdir(folder)).filter((f) => f.endsWith('.json'));
        return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(folder, f), 'utf8')) as StreamedMessage));
      };
      const finalRecord = { chatId: '1600', messageId: String(sent[0]!.messageId), final: { text: STORY } };
      await waitUntil('the delivery to mark the streamed message final', async () => (await handOver()).some((r) => JSON.stringify(r) === JSON.stringify(finalRecord)));

      // A second turn in the same chat: again one message, grown and finalised.
      telegram.userMessage(1600, ADA, 'tell a story again');
      const after = await answered(1600, 2, STORY);
      expect(after).toHaveLength(2);
      expect(after.map((m) => m.text)).toEqual([STORY, STORY]);
    });
  });

  it('keeps going when edits answer 429: edits wait out retry_after, the final reply still lands in the one message', async () => {
    await stack.withAgentWorker(async () => {
      for (let i = 0; i < 4; i++) telegram.editFaults.push({ status: 429, retryAfterSeconds: 2 });
      telegram.userMessage(1601, ADA, 'tell a story');
      const messages = await answered(1601, 1, STORY);
      expect(messages).toHaveLength(1);
      expect(telegram.sent.filter((s) => s.method === 'sendMessage' && s.chatId === '1601')).toHaveLength(1);
      expect(telegram.editFaults).toHaveLength(0);
      expect(telegram.editsTo(1601).at(-1)!.text).toBe(STORY);
    });
  });

  it('a reply longer than 4096 characters: the streamed message becomes the first part, the rest is sent', async () => {
    await stack.withAgentWorker(async () => {
      telegram.userMessage(1602, ADA, 'tell a saga');
      const sessions = new SessionClient(stack.client, stack.taskQueue);
      await waitUntil('the turn to end', async () => ((await sessions.status('telegram:1602'))?.turnCount ?? 0) >= 1, { timeoutMs: 60_000 });
      const parts = await waitUntil('both parts', () => telegram.messagesTo(1602).length >= 2 && telegram.messagesTo(1602), { timeoutMs: 60_000 });
      expect(parts).toHaveLength(2);
      expect(parts.every((p) => p.text!.length <= 4096)).toBe(true);
      expect(telegram.editsTo(1602).length).toBeGreaterThanOrEqual(1);
      expect(telegram.editsTo(1602).every((e) => e.messageId === parts[0]!.messageId)).toBe(true);
      expect(parts.map((p) => p.text).join('').replace(/\s+/g, '')).toBe(SAGA.replace(/\s+/g, ''));
    });
  });

  it('a turn answered with the message tool: the streamed text is taken back, the chat shows the message alone', async () => {
    await stack.withAgentWorker(async () => {
      telegram.userMessage(1604, ADA, 'answer by message');
      const sessions = new SessionClient(stack.client, stack.taskQueue);
      await waitUntil('the turn to end', async () => ((await sessions.status('telegram:1604'))?.turnCount ?? 0) >= 1, { timeoutMs: 60_000 });
      await waitUntil('the session to go idle', async () => (await sessions.status('telegram:1604'))?.state === 'idle');
      // The follower ends a few seconds after the turn; by then nothing else may be in flight.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(telegram.messagesTo(1604).map((m) => m.text)).toEqual(['Here it is, by message.']);
      // The preamble was streamed (a prefix of it sent), then deleted.
      const PREAMBLE = 'Let me send that to you now, one moment please.';
      const streamed = telegram.sent.find((s) => s.method === 'sendMessage' && s.chatId === '1604' && PREAMBLE.startsWith(s.text!));
      expect(streamed).toBeDefined();
      expect(telegram.sent).toContainEqual(expect.objectContaining({ method: 'deleteMessage', chatId: '1604', messageId: streamed!.messageId }));
    });
  });

  it('a streamed message the user deleted: the reply is sent as a new message', async () => {
    await stack.withAgentWorker(async () => {
      telegram.userMessage(1603, ADA, 'tell a story');
      const first = await waitUntil('the streamed message', () => telegram.messagesTo(1603)[0]);
      telegram.deleteByUser(first.messageId!);
      const messages = await answered(1603, 1, STORY);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.messageId).not.toBe(first.messageId);
    });
  });

  it('with streaming off, the reply arrives whole as one message and nothing is edited', async () => {
    await channels.close(); // one poller per bot token
    const config = { ...stack.config, channels: { telegram: { ...(stack.config.channels.telegram as object), streaming: false } } };
    channels = await startChannels(config, new SessionClient(stack.client, stack.taskQueue), { host: '127.0.0.1', port: 0, logger: captureLogger });
    await stack.withAgentWorker(async () => {
      telegram.userMessage(1605, ADA, 'tell a story');
      const messages = await answered(1605, 1, STORY);
      expect(messages).toHaveLength(1);
      expect(telegram.sent.filter((s) => s.chatId === '1605' && s.method === 'sendMessage').map((s) => s.text)).toEqual([STORY]);
      expect(telegram.editsTo(1605)).toHaveLength(0);
    });
  });

  it('refuses an edit interval Telegram would punish', () => {
    expect(() => channelsConfig({ channels: { telegram: { enabled: true, token: TOKEN, streamEditIntervalMs: 100 } } })).toThrow(/streamEditIntervalMs/);
  });
});
